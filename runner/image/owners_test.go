package image

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/podlint/podlint/runner/image/testimage"
)

func owned(e testimage.Entry, uid, gid int) testimage.Entry {
	e.Header.Uid, e.Header.Gid = uid, gid
	return e
}

// TestOwners checks the owners an unpack records: the last layer's header
// wins, whiteouts and replacements drop them, directories come first.
func TestOwners(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	if err := os.Mkdir(root, 0o700); err != nil {
		t.Fatal(err)
	}
	u, err := newUnpacker(root, Limits{}.withDefaults(), func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	defer u.root.Close()
	layers := [][]testimage.Entry{
		{
			owned(testimage.Dir("home/app", 0o755), 1000, 1000),
			owned(testimage.File("home/app/config", 0o644, "x"), 1000, 1001),
			owned(testimage.File("gone", 0o644, "x"), 5, 5),
			owned(testimage.File("replaced", 0o644, "x"), 6, 6),
			owned(testimage.Dir("var/cache/app", 0o755), 101, 0),
			owned(testimage.File("var/cache/app/f", 0o644, "x"), 101, 101),
			owned(testimage.Symlink("link", "home/app"), 7, 8),
			testimage.File("etc/passwd", 0o644, "root:x:0:0::/root:/bin/sh\n"),
		},
		{
			testimage.Whiteout("gone"),
			testimage.File("replaced", 0o644, "root now"),
			testimage.Opaque("var/cache/app"),
			owned(testimage.Dir("home/app", 0o700), 1000, 2000),
		},
	}
	for _, l := range layers {
		raw, err := testimage.Layer{Entries: l}.Tar()
		if err != nil {
			t.Fatal(err)
		}
		if err := u.apply(context.Background(), bytes.NewReader(raw), "layer"); err != nil {
			t.Fatal(err)
		}
	}
	if err := u.finish(); err != nil {
		t.Fatal(err)
	}
	want := []Owner{
		{Path: "home/app", UID: 1000, GID: 2000},
		{Path: "home/app/config", UID: 1000, GID: 1001},
		{Path: "link", UID: 7, GID: 8},
		{Path: "var/cache/app", UID: 101, GID: 0},
	}
	if got := u.ownerList(); !reflect.DeepEqual(got, want) {
		t.Errorf("owners\n got %+v\nwant %+v", got, want)
	}
	file := filepath.Join(t.TempDir(), "o.json")
	if err := writeOwners(file, want); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadOwners(file); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("read back %+v, %v", got, err)
	}
	if got, err := ReadOwners(file + ".missing"); err != nil || got != nil {
		t.Errorf("missing file: %+v, %v", got, err)
	}
}
