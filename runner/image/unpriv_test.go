//go:build linux

package image_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/podlint/podlint/runner/image"
	"github.com/podlint/podlint/runner/image/testimage"
)

// envUnprivStore tells a re-executed test binary to run the unprivileged
// half of TestUnprivileged in that store directory.
const envUnprivStore = "PODLINT_TEST_UNPRIV_STORE"

// TestUnprivileged loads, unpacks and removes an image as an unprivileged
// user, as the runner does: no chown, modes kept, and a read-only directory
// in the image must not stop Remove. Run as root, it re-executes itself as
// nobody (65534).
func TestUnprivileged(t *testing.T) {
	if store := os.Getenv(envUnprivStore); store != "" {
		unprivileged(t, store, os.Getenv(envUnprivStore+"_IMAGE"))
		return
	}
	work, err := os.MkdirTemp("", "podlint-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(work) })
	layout := filepath.Join(work, "layout")
	if err := testimage.WriteOCILayout(layout, unprivImage()); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(work, "store")
	if os.Getuid() != 0 {
		unprivileged(t, store, layout)
		return
	}
	// Everything nobody needs must be reachable: a 0755 work directory
	// with a copy of this test binary (the go build cache is root's).
	if err := os.Chmod(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(store, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(store, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	filepath.Walk(layout, func(p string, _ os.FileInfo, _ error) error { return os.Chmod(p, 0o755) })
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(work, "image.test")
	copyFile(t, self, bin)
	cmd := exec.Command(bin, "-test.run=^TestUnprivileged$", "-test.v")
	cmd.Env = append(os.Environ(), envUnprivStore+"="+store, envUnprivStore+"_IMAGE="+layout, "HOME=/nonexistent")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	t.Logf("as nobody:\n%s", out)
	if err != nil {
		t.Fatalf("unprivileged run failed: %v", err)
	}
}

func unprivImage() testimage.Image {
	return testimage.Image{
		Name:    "localhost/podlint/unpriv:1",
		Created: testimage.Epoch,
		Layers: []testimage.Layer{{Gzip: true, Entries: []testimage.Entry{
			testimage.Dir("ro", 0o555),
			testimage.File("ro/file", 0o444, "read-only"),
			testimage.File("suid", 0o4755, "x"),
			testimage.File("private", 0o600, "x"),
			testimage.Dir("tmp", 0o1777),
		}}},
	}
}

func unprivileged(t *testing.T, store, layout string) {
	ctx := context.Background()
	s, err := image.Open(image.Options{Root: store})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, layout); err != nil {
		t.Fatal(err)
	}
	img, err := s.Resolve("localhost/podlint/unpriv:1")
	if err != nil {
		t.Fatal(err)
	}
	root, err := img.RootFS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{
		"ro":      os.ModeDir | 0o555,
		"ro/file": 0o444,
		"suid":    0o755,
		"private": 0o600,
		"tmp":     os.ModeDir | os.ModeSticky | 0o777,
		".":       os.ModeDir | 0o755,
	} {
		fi, err := os.Lstat(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode(), want)
		}
		if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != os.Getuid() {
			t.Errorf("%s: owner %d, want the invoking user %d", name, st.Uid, os.Getuid())
		}
	}
	if err := s.Remove(img.ID); err != nil {
		t.Fatalf("Remove with a read-only directory in the rootfs: %v", err)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("rootfs left after Remove: %v", err)
	}
	t.Logf("unpacked and removed as uid %d", os.Getuid())
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
