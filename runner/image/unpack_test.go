package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podlint/podlint/runner/image/testimage"
)

// sandbox is a directory holding the unpack target "root" and a sibling
// "host" directory standing for the rest of the machine.
type sandbox struct {
	parent, root, host string
	notes              []string
}

func newSandbox(t testing.TB) *sandbox {
	t.Helper()
	parent := t.TempDir()
	sb := &sandbox{parent: parent, root: filepath.Join(parent, "root"), host: filepath.Join(parent, "host")}
	// 0700 like the store's staging directories.
	for _, d := range []string{sb.root, sb.host} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(sb.host, "keep"), []byte("host file"), 0o644); err != nil {
		t.Fatal(err)
	}
	return sb
}

// unpack applies layers to the sandbox's root with limits.
func (sb *sandbox) unpack(limits Limits, layers ...[]testimage.Entry) error {
	u, err := newUnpacker(sb.root, limits.withDefaults(), func(f string, a ...any) { sb.notes = append(sb.notes, f) })
	if err != nil {
		return err
	}
	defer u.root.Close()
	for _, entries := range layers {
		raw, err := testimage.Layer{Entries: entries}.Tar()
		if err != nil {
			return err
		}
		if err := u.apply(context.Background(), bytes.NewReader(raw), "layer"); err != nil {
			return err
		}
	}
	return u.finish()
}

// checkHost fails if anything outside root changed: host must hold only
// its "keep" file, and parent only root and host.
func (sb *sandbox) checkHost(t testing.TB) {
	t.Helper()
	ents, err := os.ReadDir(sb.parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 2 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("outside the root: %v, want [host root]", names)
	}
	ents, err = os.ReadDir(sb.host)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != "keep" {
		t.Fatalf("host directory changed: %v", ents)
	}
	if b, err := os.ReadFile(filepath.Join(sb.host, "keep")); err != nil || string(b) != "host file" {
		t.Fatalf("host file changed: %q, %v", b, err)
	}
}

func (sb *sandbox) read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sb.root, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (sb *sandbox) missing(t *testing.T, name string) {
	t.Helper()
	if _, err := os.Lstat(filepath.Join(sb.root, name)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s exists (%v), want it gone", name, err)
	}
}

func TestWhiteouts(t *testing.T) {
	sb := newSandbox(t)
	err := sb.unpack(Limits{},
		[]testimage.Entry{
			testimage.Dir("a", 0o755),
			testimage.File("a/gone", 0o644, "x"),
			testimage.File("a/kept", 0o644, "x"),
			testimage.Dir("opq", 0o755),
			testimage.File("opq/lower", 0o644, "x"),
			testimage.Dir("opq/sub", 0o755),
			testimage.File("opq/sub/deep", 0o644, "x"),
			testimage.Dir("tree", 0o755),
			testimage.File("tree/x", 0o644, "x"),
			testimage.File("becomes-dir", 0o644, "x"),
			testimage.Dir("becomes-file", 0o755),
			testimage.File("becomes-file/x", 0o644, "x"),
		},
		[]testimage.Entry{
			testimage.Whiteout("a/gone"),
			testimage.File("opq/upper-before", 0o644, "same layer"),
			testimage.Opaque("opq"),
			testimage.File("opq/upper-after", 0o644, "same layer"),
			testimage.Whiteout("tree"),
			testimage.Whiteout("never-existed"),
			testimage.Whiteout("no-dir/never-existed"),
			testimage.Dir("becomes-dir", 0o755),
			testimage.File("becomes-file", 0o600, "now a file"),
		},
	)
	if err != nil {
		t.Fatal(err)
	}
	sb.missing(t, "a/gone")
	sb.read(t, "a/kept")
	sb.missing(t, "opq/lower")
	sb.missing(t, "opq/sub")
	sb.read(t, "opq/upper-before")
	sb.read(t, "opq/upper-after")
	sb.missing(t, "tree")
	sb.missing(t, "a/.wh.gone")
	sb.missing(t, "opq/.wh..wh..opq")
	if fi, err := os.Lstat(filepath.Join(sb.root, "becomes-dir")); err != nil || !fi.IsDir() {
		t.Errorf("becomes-dir: %v, %v", fi, err)
	}
	if got := sb.read(t, "becomes-file"); got != "now a file" {
		t.Errorf("becomes-file = %q", got)
	}
	sb.checkHost(t)
}

func TestUnpackModes(t *testing.T) {
	sb := newSandbox(t)
	suid := testimage.File("bin/su", 0o4755, "x")
	sgid := testimage.File("bin/wall", 0o2755, "x")
	err := sb.unpack(Limits{}, []testimage.Entry{
		testimage.Dir("bin", 0o555), // read-only, yet filled by the layer
		suid, sgid,
		testimage.Dir("tmp", 0o1777),
		testimage.File("secret", 0o600, "x"),
		testimage.File("bin/late", 0o755, "x"),
		testimage.Hardlink("bin/late-link", "bin/late"),
		{Header: tar.Header{Typeflag: tar.TypeChar, Name: "dev/null", Mode: 0o666, Devmajor: 1, Devminor: 3}},
		{Header: tar.Header{Typeflag: tar.TypeFifo, Name: "fifo", Mode: 0o644}},
	})
	if err != nil {
		t.Fatal(err)
	}
	modes := map[string]fs.FileMode{
		"bin":           fs.ModeDir | 0o555,
		"bin/su":        0o755,
		"bin/wall":      0o755,
		"tmp":           fs.ModeDir | fs.ModeSticky | 0o777,
		"secret":        0o600,
		"bin/late":      0o755,
		"bin/late-link": 0o755,
	}
	for name, want := range modes {
		fi, err := os.Lstat(filepath.Join(sb.root, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode(), want)
		}
	}
	if fi, err := os.Stat(sb.root); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("root directory: %v, %v; want mode 0755 for non-root container users", fi.Mode(), err)
	}
	sb.missing(t, "dev/null")
	sb.missing(t, "fifo")
	if len(sb.notes) != 2 {
		t.Errorf("notes = %q, want one per skipped device node and fifo", sb.notes)
	}
	if err := removeTree(sb.root); err != nil {
		t.Errorf("removeTree with a 0555 directory: %v", err)
	}
}

func TestUnpackEscapes(t *testing.T) {
	tests := []struct {
		name    string
		layers  func(host string) [][]testimage.Entry
		wantErr string // empty: the layer unpacks, harmlessly
		// inside lists files that must land inside the root instead.
		inside []string
	}{
		{
			name: "dot-dot name",
			layers: func(string) [][]testimage.Entry {
				return [][]testimage.Entry{{testimage.File("../host/pwned", 0o644, "x")}}
			},
			wantErr: "escapes",
		},
		{
			name: "dot-dot inside name",
			layers: func(string) [][]testimage.Entry {
				return [][]testimage.Entry{{testimage.File("a/../../host/pwned", 0o644, "x")}}
			},
			wantErr: "escapes",
		},
		{
			name: "absolute name is relative to the root",
			layers: func(host string) [][]testimage.Entry {
				return [][]testimage.Entry{{testimage.File(host+"/pwned", 0o644, "x")}}
			},
			inside: []string{"HOST/pwned"},
		},
		{
			name: "write through absolute symlink",
			layers: func(host string) [][]testimage.Entry {
				return [][]testimage.Entry{{testimage.Symlink("out", host), testimage.File("out/pwned", 0o644, "x")}}
			},
			inside: []string{"HOST/pwned"},
		},
		{
			name: "write through relative symlink climbing out",
			layers: func(host string) [][]testimage.Entry {
				up := strings.Repeat("../", 30) + strings.TrimPrefix(host, "/")
				return [][]testimage.Entry{{testimage.Symlink("out", up), testimage.File("out/pwned", 0o644, "x")}}
			},
			inside: []string{"HOST/pwned"},
		},
		{
			name: "symlink planted in a lower layer",
			layers: func(host string) [][]testimage.Entry {
				return [][]testimage.Entry{
					{testimage.Dir("etc", 0o755), testimage.Symlink("etc/out", "../../host")},
					{testimage.File("etc/out/pwned", 0o644, "x")},
				}
			},
			inside: []string{"host/pwned"},
		},
		{
			name: "overwrite a symlink's target",
			layers: func(host string) [][]testimage.Entry {
				return [][]testimage.Entry{{testimage.Symlink("keep", host+"/keep"), testimage.File("keep", 0o644, "replaced")}}
			},
			inside: []string{"keep"},
		},
		{
			name: "whiteout through symlink",
			layers: func(host string) [][]testimage.Entry {
				return [][]testimage.Entry{{testimage.Symlink("out", host)}, {testimage.Whiteout("out/keep")}}
			},
		},
		{
			name: "opaque through symlink",
			layers: func(host string) [][]testimage.Entry {
				return [][]testimage.Entry{{testimage.Symlink("out", host)}, {testimage.Opaque("out")}}
			},
		},
		{
			name: "hard link to a host file",
			layers: func(host string) [][]testimage.Entry {
				return [][]testimage.Entry{{testimage.Hardlink("h", host+"/keep")}}
			},
			wantErr: "missing",
		},
		{
			name: "hard link climbing out",
			layers: func(host string) [][]testimage.Entry {
				return [][]testimage.Entry{{testimage.Hardlink("h", "../host/keep")}}
			},
			wantErr: "hard link target",
		},
		{
			name: "hard link through symlink",
			layers: func(host string) [][]testimage.Entry {
				return [][]testimage.Entry{{testimage.Symlink("out", host), testimage.Hardlink("h", "out/keep")}}
			},
			wantErr: "missing",
		},
		{
			name: "symlink loop",
			layers: func(string) [][]testimage.Entry {
				return [][]testimage.Entry{{testimage.Symlink("a", "b"), testimage.Symlink("b", "a"), testimage.File("a/x", 0o644, "x")}}
			},
			wantErr: "too many levels",
		},
		{
			name: "file as parent",
			layers: func(string) [][]testimage.Entry {
				return [][]testimage.Entry{{testimage.File("f", 0o644, "x"), testimage.File("f/x", 0o644, "x")}}
			},
			wantErr: "not a directory",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t)
			err := sb.unpack(Limits{}, tt.layers(sb.host)...)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unpack: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("unpack error = %v, want one containing %q", err, tt.wantErr)
			}
			for _, p := range tt.inside {
				p = strings.ReplaceAll(p, "HOST", strings.TrimPrefix(sb.host, "/"))
				if fi, err := os.Lstat(filepath.Join(sb.root, p)); err != nil || !fi.Mode().IsRegular() {
					t.Errorf("%s not inside the root: %v", p, err)
				}
			}
			sb.checkHost(t)
		})
	}
}

func TestUnpackLimits(t *testing.T) {
	big := testimage.File("big", 0o644, strings.Repeat("x", 1000))
	tests := []struct {
		name    string
		limits  Limits
		entries []testimage.Entry
		want    string
	}{
		{name: "entries", limits: Limits{MaxEntries: 2}, entries: []testimage.Entry{testimage.Dir("a", 0o755), testimage.Dir("b", 0o755), testimage.Dir("c", 0o755)}, want: "MaxEntries"},
		{name: "entry size", limits: Limits{MaxEntryBytes: 999}, entries: []testimage.Entry{big}, want: "MaxEntryBytes"},
		{name: "unpacked size", limits: Limits{MaxUnpackedBytes: 1500}, entries: []testimage.Entry{big, testimage.File("big2", 0o644, strings.Repeat("y", 1000))}, want: "MaxUnpackedBytes"},
		{name: "path length", limits: Limits{MaxPathBytes: 20}, entries: []testimage.Entry{testimage.File(strings.Repeat("n", 21), 0o644, "")}, want: "MaxPathBytes"},
		{name: "symlink target length", limits: Limits{MaxPathBytes: 20}, entries: []testimage.Entry{testimage.Symlink("l", strings.Repeat("n", 21))}, want: "MaxPathBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t)
			err := sb.unpack(tt.limits, tt.entries)
			var le *LimitError
			if !errors.As(err, &le) || le.Limit != tt.want {
				t.Fatalf("unpack error = %v, want a LimitError for %s", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("message %q does not name %s", err, tt.want)
			}
		})
	}
}
