package fix_test

import (
	"context"
	"strings"
	"testing"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/fix"
	"github.com/podlint/podlint/rules"
)

func spot(off int) lint.TextSpot { return lint.TextSpot{Offset: off} }

func TestApply(t *testing.T) {
	src := []byte("abcdef")
	got, err := fix.Apply(src, []lint.Edit{
		{Start: spot(4), End: spot(6), Text: "XY"},
		{Start: spot(0), End: spot(1), Text: ""},
		{Start: spot(2), End: spot(2), Text: "+"},
	})
	if err != nil || string(got) != "b+cdXY" {
		t.Fatalf("Apply = %q, %v; want %q", got, err, "b+cdXY")
	}
	for name, edits := range map[string][]lint.Edit{
		"overlap":           {{Start: spot(1), End: spot(3)}, {Start: spot(2), End: spot(4)}},
		"two inserts":       {{Start: spot(2), End: spot(2), Text: "a"}, {Start: spot(2), End: spot(2), Text: "b"}},
		"insert in replace": {{Start: spot(1), End: spot(4)}, {Start: spot(2), End: spot(2), Text: "b"}},
		"out of range":      {{Start: spot(5), End: spot(9)}},
		"backwards":         {{Start: spot(3), End: spot(2)}},
	} {
		if out, err := fix.Apply(src, edits); err == nil || string(out) != "abcdef" {
			t.Errorf("%s: Apply = %q, %v; want an error and the input unchanged", name, out, err)
		}
	}
	// Touching ranges do not overlap: a replacement ending where an insertion is.
	if got, err := fix.Apply(src, []lint.Edit{{Start: spot(1), End: spot(3), Text: "_"}, {Start: spot(3), End: spot(3), Text: "!"}}); err != nil || string(got) != "a_!def" {
		t.Errorf("touching edits: %q, %v", got, err)
	}
}

func run(t *testing.T, src string) *fix.Result {
	t.Helper()
	e := lint.NewEngine(rules.All(), lint.Options{})
	r, err := fix.Buffer(context.Background(), e, "in.yaml", []byte(src), 0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestBufferByteExact fixes streams whose bytes outside the edits must survive
// exactly: a BOM, CRLF line endings, multi-byte characters before the edit on
// the same line, comments, flow style, other documents and separators.
func TestBufferByteExact(t *testing.T) {
	cases := []struct{ name, in, want string }{{
		name: "typo with multi-byte comment before it on the line",
		in:   "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p # é ü\nspec:\n  containers:\n  - name: c # ☃\n    image: nginx\n    imagePulPolicy: Always # sic\n",
		want: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p # é ü\nspec:\n  containers:\n  - name: c # ☃\n    image: nginx\n    imagePullPolicy: Always # sic\n",
	}, {
		name: "BOM and CRLF",
		in:   "\ufeffapiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: \"p\"\r\nspec:\r\n  restartPolicy: Nevr\r\n  containers:\r\n  - name: c\r\n    image: nginx\r\n",
		want: "\ufeffapiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: \"p\"\r\nspec:\r\n  restartPolicy: Never\r\n  containers:\r\n  - name: c\r\n    image: nginx\r\n",
	}, {
		name: "second document of a stream, insert into a mapping at EOF without newline",
		in:   "# first\napiVersion: v1\nkind: ConfigMap\n--- # sep\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: busybox",
		want: "# first\napiVersion: v1\nkind: ConfigMap\n--- # sep\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: busybox\n      restartPolicy: OnFailure\n",
	}, {
		name: "label value quoted as the file quotes others",
		in:   "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    app: 'web'\n    version: 1.10\nspec:\n  containers:\n  - name: c\n    image: nginx\n",
		want: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    app: 'web'\n    version: '1.10'\nspec:\n  containers:\n  - name: c\n    image: nginx\n",
	}, {
		name: "name moved under metadata with its comment, CRLF",
		in:   "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  labels: {app: web}\r\nspec:\r\n  containers:\r\n  - name: c\r\n    image: nginx\r\nname: web # here\r\n",
		want: "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  labels: {app: web}\r\n  name: web # here\r\nspec:\r\n  containers:\r\n  - name: c\r\n    image: nginx\r\n",
	}, {
		name: "name moved under an empty metadata, at the file's indentation step",
		in:   "apiVersion: v1\nkind: Pod\nmetadata: # empty\nname: p\nspec:\n    containers:\n    - name: c\n      image: nginx\n",
		want: "apiVersion: v1\nkind: Pod\nmetadata: # empty\n    name: p\nspec:\n    containers:\n    - name: c\n      image: nginx\n",
	}, {
		name: "tabs as separators before the edited values, on the same lines",
		in:   "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\t# tab\nspec:\n  restartPolicy:\tNevr\t# tabs around\n  containers:\n  - {name: c,\timage: nginx,\timagePulPolicy: Always}\n",
		want: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\t# tab\nspec:\n  restartPolicy:\tNever\t# tabs around\n  containers:\n  - {name: c,\timage: nginx,\timagePullPolicy: Always}\n",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, c.in)
			if string(r.Fixed) != c.want {
				t.Fatalf("fixed:\n%q\nwant:\n%q", r.Fixed, c.want)
			}
			again := run(t, string(r.Fixed))
			if again.Rounds != 0 || string(again.Fixed) != c.want {
				t.Errorf("a second fix changed the text: %q", again.Fixed)
			}
		})
	}
}

// TestBufferRefuses leaves text alone where a minimal edit cannot be made safely.
func TestBufferRefuses(t *testing.T) {
	for name, in := range map[string]string{
		"flow mapping move": "{apiVersion: v1, kind: Pod, metadata: {labels: {a: b}}, name: p, spec: {containers: [{name: c, image: nginx}]}}\n",
		"anchored value":    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  restartPolicy: &r Nevr\n  containers:\n  - name: c\n    image: nginx\n",
		"ambiguous typo":    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n    xyzzy: 1\n",
	} {
		r := run(t, in)
		if string(r.Fixed) != in || r.Rounds != 0 {
			t.Errorf("%s: changed to %q", name, r.Fixed)
		}
		if len(r.Check.Findings) == 0 {
			t.Errorf("%s: the finding disappeared", name)
		}
	}
}

// TestFixPositions checks that an edit's line, column and offset agree in a
// document after a BOM and a multi-byte line: columns count characters.
func TestFixPositions(t *testing.T) {
	in := "\ufeff# ☃☃\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: nginx, imagePulPolicy: Always}\n"
	e := lint.NewEngine(rules.All(), lint.Options{})
	res := e.Run(context.Background(), lint.Sources([]string{"-"}, strings.NewReader(in)))
	var edit *lint.Edit
	for _, f := range res.Findings {
		if f.Fix != nil {
			edit = &f.Fix.Edits[0]
		}
	}
	if edit == nil {
		t.Fatal("no fix")
	}
	off := strings.Index(in, "imagePulPolicy")
	want := lint.TextSpot{Line: 7, Column: 29, Offset: off}
	if edit.Start != want || edit.End.Offset != off+len("imagePulPolicy") || edit.Text != "imagePullPolicy" {
		t.Errorf("edit = %+v, want start %+v", *edit, want)
	}
}
