package runner

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// ErrImageNotLoaded reports an image reference the Images source does not hold.
var ErrImageNotLoaded = errors.New("image not loaded")

// Images resolves an image reference to an unpacked root filesystem that the
// runner copies for every container start. It is the seam where the image
// store (runner/image) plugs in.
type Images interface {
	// Rootfs returns the directory of the unpacked image; callers never write to it.
	Rootfs(ref string) (string, error)
}

// BusyboxImages serves every reference whose repository is "busybox" (any tag
// or registry) from a root filesystem built from the host's static busybox
// (Debian's busybox-static): the binary and one link per applet.
type BusyboxImages struct {
	// Dir is where the root filesystem is built once.
	Dir string
	// Busybox is the static busybox binary; empty means /bin/busybox.
	Busybox string

	once sync.Once
	root string
	err  error
}

// Rootfs returns the busybox root filesystem for busybox references.
func (b *BusyboxImages) Rootfs(ref string) (string, error) {
	if !isBusybox(ref) {
		return "", fmt.Errorf("%w: %q (only busybox images are available without the image store)", ErrImageNotLoaded, ref)
	}
	b.once.Do(func() { b.root, b.err = b.build() })
	return b.root, b.err
}

func isBusybox(ref string) bool {
	name := ref
	if i := strings.IndexAny(name, "@"); i >= 0 {
		name = name[:i]
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	return name == "busybox" || strings.HasSuffix(name, "/busybox")
}

func (b *BusyboxImages) build() (string, error) {
	bin := b.Busybox
	if bin == "" {
		bin = "/bin/busybox"
	}
	root := filepath.Join(b.Dir, "busybox-rootfs")
	if _, err := os.Stat(filepath.Join(root, ".complete")); err == nil {
		return root, nil
	}
	if err := os.RemoveAll(root); err != nil {
		return "", err
	}
	out, err := exec.Command(bin, "--list-full").Output()
	if err != nil {
		return "", fmt.Errorf("%w: busybox: %s --list-full: %v (install busybox-static)", ErrImageNotLoaded, bin, err)
	}
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "etc", "tmp", "root", "proc", "sys", "dev", "var/run"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return "", err
		}
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
		return "", err
	}
	if err := copyFile(bin, filepath.Join(root, "bin/busybox"), 0o755); err != nil {
		return "", err
	}
	for _, applet := range strings.Fields(string(out)) {
		if applet == "bin/busybox" {
			continue
		}
		rel, _ := filepath.Rel(filepath.Dir(applet), "bin/busybox")
		if err := os.Symlink(rel, filepath.Join(root, applet)); err != nil && !os.IsExist(err) {
			return "", err
		}
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		"etc/group":  "root:x:0:\nnobody:x:65534:\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(root, ".complete"), nil, 0o644); err != nil {
		return "", err
	}
	return root, nil
}
