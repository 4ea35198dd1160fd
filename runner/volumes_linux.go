//go:build linux && cgo

package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// writeAtomic lays files out in dir as the kubelet's atomic writer does
// (pkg/volume/util/atomic_writer.go): the payload in a timestamped directory
// "..<time>", a "..data" symlink to it, and one symlink per top-level name
// pointing into "..data". Applications that watch for updates expect this
// shape; podlint writes it once, as the sources never change during a run.
func writeAtomic(dir string, files []volumeFile) error {
	ts := filepath.Join(dir, ".."+time.Now().UTC().Format("2006_01_02_15_04_05.000000000"))
	if err := os.Mkdir(ts, 0o755); err != nil {
		return err
	}
	top := map[string]bool{}
	for _, f := range files {
		p := filepath.Join(ts, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, f.Mode); err != nil {
			return err
		}
		// WriteFile's mode is subject to the umask; the kubelet sets it exactly.
		if err := os.Chmod(p, f.Mode); err != nil {
			return err
		}
		top[strings.SplitN(filepath.ToSlash(filepath.Clean(f.Path)), "/", 2)[0]] = true
	}
	if err := os.Symlink(filepath.Base(ts), filepath.Join(dir, "..data")); err != nil {
		return err
	}
	for name := range top {
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("volume file %s: %w", name, err)
		}
	}
	return nil
}

// subPathSource resolves a volumeMount's subPath in the volume directory vol
// on the host, as the kubelet's subpath preparation does: symlinks (the
// atomic writer's) are followed but may not leave the volume, and a missing
// path is created as a directory.
func subPathSource(vol, subPath string) (string, error) {
	src := filepath.Join(vol, filepath.Clean("/"+subPath))
	if _, err := os.Lstat(src); os.IsNotExist(err) {
		if err := os.MkdirAll(src, 0o777); err != nil {
			return "", err
		}
		return src, nil
	}
	real, err := filepath.EvalSymlinks(src)
	if err != nil {
		return "", err
	}
	base, err := filepath.EvalSymlinks(vol)
	if err != nil {
		return "", err
	}
	if real != base && !strings.HasPrefix(real, base+string(filepath.Separator)) {
		return "", fmt.Errorf("subPath %q leaves its volume", subPath)
	}
	return real, nil
}
