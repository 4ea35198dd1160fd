//go:build linux && cgo

package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/podlint/podlint/runner/image"
)

// A container's fresh writable root is an overlay of the unpacked image
// (read-only lower layer) and an empty per-start upper directory: a few
// hundred microseconds instead of copying the image (44 ms for busybox, more
// for bigger images). An unprivileged user cannot mount overlayfs on the host,
// but root of the Pod's user namespace can (Linux 5.11 and later) in the
// container's own mount namespace, so the mount is made by the container's
// init process, after runc's nsexec has joined the Pod's user namespace and
// unshared the mount namespace, and before libcontainer prepares the root
// filesystem. The mount then lives and dies with that mount namespace: nothing
// is left on the host, even when podlint is SIGKILLed.
//
// A start's directory holds:
//
//	merged/  the root filesystem runc is given (the overlay's mount point)
//	upper/   the writable layer
//	work/    overlayfs's work directory
//	lower    a symlink to the image's root filesystem
//
// libcontainer starts its init with the root filesystem as working directory,
// which is how the init finds the directory.
const (
	overlayMerged = "merged"
	overlayUpper  = "upper"
	overlayWork   = "work"
	overlayLower  = "lower"
	// overlayFailed is written by the init when the mount fails, so that the
	// starter can fall back to copying.
	overlayFailed = "overlay-error"
)

// overlayBroken is set once an overlay mount has failed on this machine:
// later starts copy the image instead.
var overlayBroken atomic.Bool

// useOverlay reports whether container roots should be overlays of image.
// As root, container root is an unprivileged subordinate id that neither owns
// nor may traverse root's image store, so roots are copied and chowned then.
func useOverlay(image string) bool {
	return os.Geteuid() != 0 && !overlayBroken.Load() && !strings.ContainsAny(image, ",:\\")
}

// prepareOverlay creates the directories of an overlay root under dir and
// returns the root filesystem path to give runc, and the directory in which
// files that shadow the image (/etc/hosts) are written.
func prepareOverlay(image, dir string) (root, upper string, err error) {
	for _, d := range []string{dir, filepath.Join(dir, overlayMerged), filepath.Join(dir, overlayUpper), filepath.Join(dir, overlayWork)} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return "", "", err
		}
	}
	// The upper directory's attributes are the root directory's.
	if fi, err := os.Stat(image); err == nil {
		_ = os.Chmod(filepath.Join(dir, overlayUpper), fi.Mode().Perm())
	}
	if err := os.Symlink(image, filepath.Join(dir, overlayLower)); err != nil {
		return "", "", err
	}
	return filepath.Join(dir, overlayMerged), filepath.Join(dir, overlayUpper), nil
}

// overlayFailure returns what the init wrote when its overlay mount failed.
func overlayFailure(dir string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(dir, overlayFailed))
	return strings.TrimSpace(string(b)), err == nil
}

// groupsSuffix names the file next to a start's directory that lists the
// container's supplementary groups. libcontainer never calls setgroups for a
// rootless container (an unprivileged user namespace denies it), but the
// Pod's namespace is mapped by newgidmap, which allows it: the init sets
// them, and libcontainer's later setgid and setuid keep them.
const groupsSuffix = ".groups"

// ownersSuffix names the link next to a start's directory to the image's
// owners file: the init gives those paths their owners in the Pod's user
// namespace (the unprivileged unpack could not), which for an overlay copies
// those files up into the start's writable layer.
const ownersSuffix = ".owners"

func writeGroups(dir string, groups []int64) error {
	s := make([]string, len(groups))
	for i, g := range groups {
		s[i] = strconv.FormatInt(g, 10)
	}
	return os.WriteFile(dir+groupsSuffix, []byte(strings.Join(s, " ")+"\n"), 0o644)
}

// prepareInit runs in a new container's init process (see above), whose
// working directory is the root filesystem runc was given: it mounts an
// overlay root and sets supplementary groups.
func prepareInit() error {
	root, err := os.Getwd()
	if err != nil {
		return nil
	}
	dir, overlay := root, false
	if filepath.Base(root) == overlayMerged {
		if _, err := os.Lstat(filepath.Join(filepath.Dir(root), overlayLower)); err == nil {
			dir, overlay = filepath.Dir(root), true
		}
	}
	if overlay {
		if err := mountOverlay(dir, root); err != nil {
			return err
		}
	}
	if err := applyOwners(dir+ownersSuffix, root); err != nil {
		return err
	}
	b, err := os.ReadFile(dir + groupsSuffix)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	var groups []int
	for _, f := range strings.Fields(string(b)) {
		g, err := strconv.Atoi(f)
		if err != nil {
			return fmt.Errorf("%s: %w", dir+groupsSuffix, err)
		}
		groups = append(groups, g)
	}
	// syscall's Setgroups applies to every thread of the process (with cgo,
	// through the C library), so whichever thread executes the
	// container's process has them.
	return syscall.Setgroups(groups)
}

// applyOwners gives root's paths the owners the image's layers gave them.
// Through an os.Root: a symlink in the image never leads a chown out of it.
// An id the Pod's user namespace does not map (EINVAL) leaves the path to
// container root, as a missing path does.
func applyOwners(file, root string) error {
	owners, err := image.ReadOwners(file)
	if err != nil || len(owners) == 0 {
		return err
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer r.Close()
	for _, o := range owners {
		if err := r.Lchown(o.Path, o.UID, o.GID); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("owner of %s: %w", o.Path, err)
		}
	}
	return nil
}

func mountOverlay(dir, merged string) error {
	lower, err := os.Readlink(filepath.Join(dir, overlayLower))
	if err != nil {
		return err
	}
	// userxattr: overlayfs keeps its metadata in user.overlay.* xattrs, the
	// only ones an unprivileged mount may write.
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s,userxattr", lower, filepath.Join(dir, overlayUpper), filepath.Join(dir, overlayWork))
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		err = fmt.Errorf("mount overlay on %s: %w", merged, err)
		_ = os.WriteFile(filepath.Join(dir, overlayFailed), []byte(err.Error()+"\n"), 0o644)
		return err
	}
	return nil
}
