package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	v1 "k8s.io/api/core/v1"
)

// ErrImageNotLoaded reports an image reference the Images source does not hold.
var ErrImageNotLoaded = errors.New("image not loaded")

// Images resolves an image reference to an unpacked root filesystem, which
// the runner copies for every container start, and the image's configuration.
// StoreImages adapts the image store (runner/image); BusyboxImages serves the
// host's static busybox.
type Images interface {
	// Resolve returns the directory of the unpacked image (callers never
	// write to it) and its configuration, or an error wrapping
	// ErrImageNotLoaded.
	Resolve(ref string) (string, ImageConfig, error)
}

// Puller is an image source backed by registries (the image store): the
// runner pulls through it as the kubelet's image manager does, following
// each container's imagePullPolicy.
type Puller interface {
	// Has reports whether the source holds ref without pulling it.
	Has(ref string) bool
	// Pull fetches ref from its registry into the source and returns the
	// image's size in bytes.
	Pull(ctx context.Context, ref string) (int64, error)
}

// findPuller returns imgs if it can pull, else the first source of a
// ChainImages that can, else nil.
func findPuller(imgs Images) Puller {
	if p, ok := imgs.(Puller); ok {
		return p
	}
	if chain, ok := imgs.(ChainImages); ok {
		for _, src := range chain {
			if p := findPuller(src); p != nil {
				return p
			}
		}
	}
	return nil
}

// pullPolicy is c's imagePullPolicy after the API server's defaulting
// (pkg/apis/core/v1 SetDefaults_Container): Always when the image's tag is
// "latest" or it has neither tag nor digest, else IfNotPresent.
func pullPolicy(c *v1.Container) v1.PullPolicy {
	if c.ImagePullPolicy != "" {
		return c.ImagePullPolicy
	}
	if imageTag(c.Image) == "latest" {
		return v1.PullAlways
	}
	return v1.PullIfNotPresent
}

// imageTag is the tag of ref as the kubelet's parsers.ParseImageName reads
// it: "latest" when there is neither tag nor digest, "" for a digest alone.
func imageTag(ref string) string {
	name, _, hasDigest := strings.Cut(ref, "@")
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		return name[i+1:]
	}
	if hasDigest {
		return ""
	}
	return "latest"
}

// ImageConfig is what the runner takes from an image's configuration.
type ImageConfig struct {
	Entrypoint []string
	Cmd        []string
	Env        []string
	WorkingDir string
	// User is the image's USER: "user", "uid", "user:group" or "uid:gid".
	User string
	// OwnersFile lists the root filesystem's paths that the image's layers
	// gave owners other than root (image.OwnersFile); empty for none.
	OwnersFile string
	// StopSignal is the image's STOPSIGNAL (e.g. "SIGQUIT"); empty means SIGTERM.
	StopSignal string
}

// ChainImages tries each source in order.
type ChainImages []Images

// Resolve returns the first source's answer that is not ErrImageNotLoaded.
func (c ChainImages) Resolve(ref string) (string, ImageConfig, error) {
	err := fmt.Errorf("%w: %q", ErrImageNotLoaded, ref)
	for _, src := range c {
		root, cfg, e := src.Resolve(ref)
		if e == nil {
			return root, cfg, nil
		}
		if !errors.Is(e, ErrImageNotLoaded) {
			return "", ImageConfig{}, e
		}
		err = e
	}
	return "", ImageConfig{}, err
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

// Resolve returns the busybox root filesystem for busybox references, with
// the busybox image's configuration (CMD ["sh"]).
func (b *BusyboxImages) Resolve(ref string) (string, ImageConfig, error) {
	if !isBusybox(ref) {
		return "", ImageConfig{}, fmt.Errorf("%w: %q (load it with podlint image load)", ErrImageNotLoaded, ref)
	}
	b.once.Do(func() { b.root, b.err = b.build() })
	cfg := ImageConfig{Cmd: []string{"sh"}, Env: []string{"PATH=" + defaultPath}}
	return b.root, cfg, b.err
}

// defaultPath is the PATH of images that set none (the container runtimes' default).
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

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
