package lint_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

// imageChanged reports every container whose image differs between old and new.
var imageChanged = &lint.Rule{
	ID: "test-image-changed", Category: lint.CategoryLifecycle, Severity: lint.SeverityInfo,
	Title: "test", Remediation: "Nothing.",
	CheckUpdate: func(p *lint.UpdatePass) {
		for i, c := range p.New.PodSpec.Containers {
			if i < len(p.Old.PodSpec.Containers) && p.Old.PodSpec.Containers[i].Image != c.Image {
				p.Report(p.New.PodSpecPath.Child("containers").Index(i).Child("image"), "", c.Image,
					fmt.Sprintf("%s -> %s", p.Old.PodSpec.Containers[i].Image, c.Image), "")
			}
		}
		if p.New.Ref.Name == "boom" {
			panic("boom")
		}
	},
}

func pod(name, ns, image string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  containers:\n    - name: c\n      image: %s\n", name, ns, image)
}

func TestRunUpdatePairsAndLocates(t *testing.T) {
	dir := t.TempDir()
	old := write(t, dir, "old.yaml", pod("a", "default", "nginx:1")+"---\n"+pod("b", "team", "nginx:1")+"---\n"+pod("gone", "team", "nginx:1"))
	// b moves to a List and a under the implicit default namespace; c is new.
	newList := "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata:\n      name: b\n      namespace: team\n    spec:\n      containers:\n        - name: c\n          image: nginx:2\n"
	nw := write(t, dir, "new.yaml", strings.Replace(pod("a", "", "nginx:2"), "  namespace: \n", "", 1)+"---\n"+newList+"---\n"+pod("c", "team", "nginx:3"))
	res := lint.NewEngine([]*lint.Rule{imageChanged}, lint.Options{}).RunUpdate(context.Background(),
		lint.Sources([]string{old}, nil), lint.Sources([]string{nw}, nil))
	if len(res.Internal) > 0 {
		t.Fatal(res.Internal)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%s:%d:%d %s %s %s doc%d", f.Position.File[len(dir)+1:], f.Position.Line, f.Position.Column, f.Rule, f.Field, f.Object.Name, f.Document))
	}
	want := []string{
		"new.yaml:8:7 test-image-changed spec.containers[0].image a doc1",
		"new.yaml:21:11 test-image-changed items[0].spec.containers[0].image b doc2",
		"old.yaml:24:3 object-removed metadata.name gone doc3",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.Summary.Objects != 3 || res.Summary.Infos != 3 {
		t.Errorf("summary %+v, want 3 objects (the new side) and 3 infos", res.Summary)
	}
}

func TestRunUpdateInputErrorsOnBothSides(t *testing.T) {
	dir := t.TempDir()
	old := write(t, dir, "old.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n")
	nw := write(t, dir, "new.yaml", pod("a", "x", "nginx:1"))
	res := lint.NewEngine([]*lint.Rule{imageChanged}, lint.Options{}).RunUpdate(context.Background(),
		lint.Sources([]string{old}, nil), lint.Sources([]string{nw}, nil))
	if res.InputErrors() != 1 || res.Findings[0].Position.File != old {
		t.Errorf("want the old file's syntax error reported, got %+v", res.Findings)
	}
}

func TestCheckUpdate(t *testing.T) {
	e := lint.NewEngine([]*lint.Rule{imageChanged}, lint.Options{})
	mk := func(name, image string) *lint.Object {
		p := &corev1.Pod{}
		p.Name = name
		p.Spec.Containers = []corev1.Container{{Name: "c", Image: image}}
		o, err := lint.NewObject(lint.ObjectRef{APIVersion: "v1", Kind: "Pod", Name: name}, p)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	fs, err := e.CheckUpdate(context.Background(), mk("a", "x:1"), mk("a", "x:2"))
	if err != nil || len(fs) != 1 || fs[0].Field != "spec.containers[0].image" || fs[0].Object.Name != "a" || fs[0].Position.Line != 0 {
		t.Errorf("CheckUpdate = %+v, %v", fs, err)
	}
	if _, err := e.CheckUpdate(context.Background(), mk("boom", "x:1"), mk("boom", "x:1")); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("a panicking rule must become an error, got %v", err)
	}
	if _, err := lint.NewObject(lint.ObjectRef{Kind: "Deployment"}, &corev1.Pod{}); err == nil {
		t.Error("NewObject must refuse a Pod as a Deployment")
	}
}

func TestKeyOf(t *testing.T) {
	a := lint.KeyOf(lint.ObjectRef{APIVersion: "apps/v1beta2", Kind: "Deployment", Name: "x"})
	b := lint.KeyOf(lint.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default", Name: "x"})
	c := lint.KeyOf(lint.ObjectRef{APIVersion: "extensions/v1beta1", Kind: "Deployment", Name: "x"})
	if a != b || a == c {
		t.Errorf("keys %v %v %v: want group (not version) and default namespace to pair", a, b, c)
	}
}

func TestDiff(t *testing.T) {
	ten := int64(10)
	old := &corev1.PodSpec{
		NodeSelector: map[string]string{},
		Containers: []corev1.Container{{Name: "c", Image: "x", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("0.5")}}}},
	}
	same := old.DeepCopy()
	same.NodeSelector = nil // nil and empty are equal
	same.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("500m")
	if cs := lint.Diff(field.NewPath("spec"), old, same); len(cs) != 0 {
		t.Errorf("semantically equal specs differ: %+v", cs)
	}
	changed := same.DeepCopy()
	changed.ActiveDeadlineSeconds = &ten
	changed.Containers[0].Command = []string{"sh"}
	changed.Containers = append(changed.Containers, corev1.Container{Name: "d"})
	changed.SecurityContext = &corev1.PodSecurityContext{}
	var got []string
	for _, c := range lint.Diff(field.NewPath("spec"), old, changed) {
		got = append(got, fmt.Sprintf("%s added=%v removed=%v", c.Path, c.Added(), c.Removed()))
	}
	want := []string{
		"spec.containers[0].command added=true removed=false",
		"spec.containers[1] added=true removed=false",
		"spec.activeDeadlineSeconds added=true removed=false",
		"spec.securityContext added=true removed=false",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRunUpdateDropsCreateOnlyFindingsOfExistingPods(t *testing.T) {
	onCreate := &lint.Rule{ID: "test-on-create", Category: lint.CategoryAPI, Severity: lint.SeverityError, Title: "test",
		Remediation: "Nothing.", CreateOnly: true,
		Check: func(p *lint.Pass) { p.Report(p.Object.Path("spec"), "", nil, "create only", "") }}
	dir := t.TempDir()
	old := write(t, dir, "old.yaml", pod("a", "x", "nginx:1"))
	nw := write(t, dir, "new.yaml", pod("a", "x", "nginx:1")+"---\n"+pod("b", "x", "nginx:1"))
	res := lint.NewEngine([]*lint.Rule{onCreate}, lint.Options{}).RunUpdate(context.Background(),
		lint.Sources([]string{old}, nil), lint.Sources([]string{nw}, nil))
	if len(res.Findings) != 1 || res.Findings[0].Object.Name != "b" || res.Summary.Errors != 1 {
		t.Errorf("want the create-only finding of the new Pod b only, got %+v", res.Findings)
	}
}
