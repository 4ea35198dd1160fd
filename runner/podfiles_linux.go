//go:build linux && cgo

package runner

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
)

// writeSandboxFiles writes the Pod's /etc/hosts, /etc/hostname and
// /etc/resolv.conf once, in the sandbox's directory: like the kubelet's
// etc-hosts and the runtime's sandbox files, one copy is shared by the
// Pod's containers.
func (s *sandbox) writeSandboxFiles() error {
	content := map[string][]byte{"/etc/hosts": s.files.Hosts, "/etc/hostname": []byte(s.files.Hostname + "\n"), "/etc/resolv.conf": s.files.ResolvConf}
	for path, name := range sandboxFileNames {
		f := filepath.Join(s.dir, name)
		if err := os.WriteFile(f, content[path], 0o644); err != nil {
			return err
		}
		if os.Geteuid() == 0 {
			// Container root is another user then; it owns them, as root
			// owns the kubelet's.
			uid, gid := s.ids.rootHostID()
			if err := os.Lchown(f, uid, gid); err != nil {
				return err
			}
		}
	}
	return nil
}

// Memory emptyDirs. An unprivileged user cannot mount a tmpfs on the host,
// and a mount made in one container's mount namespace cannot be bound into
// another's. The infra process, root of the Pod's user namespace, creates
// each tmpfs as a detached mount (fsopen, fsmount) and holds it at a fixed
// descriptor; containers bind /proc/<infra>/fd/<n>, a detached mount any
// mount namespace may bind, so they all share it, as they share the
// kubelet's tmpfs.
const (
	tmpfsArg    = "tmpfs"
	tmpfsFD     = 200 // the first volume's descriptor in the infra process
	tmpfsDoneFD = 199 // open once the infra process has made its volumes
)

// tmpfsArgs lists the medium Memory emptyDirs for the infra process (size
// in bytes, fsGroup or -1), and gives it the capability to make them (in the
// Pod's user namespace only).
func (s *sandbox) tmpfsArgs(spec *specs.Spec) []string {
	args := []string{}
	gid := int64(-1)
	if psc := s.pod.Spec.SecurityContext; psc != nil && psc.FSGroup != nil {
		gid = *psc.FSGroup
	}
	alloc := nodeAllocatableMemory(memTotal())
	for i := range s.pod.Spec.Volumes {
		v := &s.pod.Spec.Volumes[i]
		if v.EmptyDir == nil || v.EmptyDir.Medium != v1.StorageMediumMemory {
			continue
		}
		if s.memVols == nil {
			s.memVols = map[string]string{}
		}
		s.memVols[v.Name] = "" // made by the infra process, checked by awaitTmpfs
		args = append(args, fmt.Sprintf("%s=%d:%d", v.Name, memoryVolumeSize(s.pod, v.EmptyDir, alloc), gid))
	}
	if len(args) == 0 {
		return nil
	}
	c := spec.Process.Capabilities
	c.Bounding = append(c.Bounding, "CAP_SYS_ADMIN")
	c.Effective, c.Permitted = c.Bounding, c.Bounding
	return append([]string{tmpfsArg}, args...)
}

// awaitTmpfs waits for the infra process to have made the Memory volumes
// and records the path each container binds; one it could not make (a
// kernel without detached tmpfs mounts) stays a directory on disk, with a
// warning.
func (s *sandbox) awaitTmpfs() {
	if len(s.memVols) == 0 {
		return
	}
	fd := func(n int) string { return fmt.Sprintf("/proc/%d/fd/%d", s.infraPid, n) }
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if _, err := os.Lstat(fd(tmpfsDoneFD)); err == nil {
			break
		}
	}
	i := 0
	for _, v := range s.pod.Spec.Volumes {
		if _, ok := s.memVols[v.Name]; !ok {
			continue
		}
		var st unix.Statfs_t
		if err := unix.Statfs(fd(tmpfsFD+i), &st); err == nil && st.Type == unix.TMPFS_MAGIC {
			s.memVols[v.Name] = fd(tmpfsFD + i)
		} else {
			delete(s.memVols, v.Name)
			if s.warn != nil {
				s.warn(fmt.Sprintf("emptyDir %q (medium Memory) is a directory on disk: %s", v.Name, s.infraLogLine(tmpfsArg)))
			}
		}
		i++
	}
}

// tmpfsSource returns the path a container binds for a Memory emptyDir.
func (s *sandbox) tmpfsSource(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, ok := s.memVols[name]
	return src, ok
}

// dropTmpfs turns the Memory emptyDirs into directories on disk after a
// container could not bind one (a kernel that refuses to bind a detached
// mount into another mount namespace, before 6.15): it reports whether
// there were any, so that the start is tried again.
func (s *sandbox) dropTmpfs(err error) bool {
	s.mu.Lock()
	had := len(s.memVols) > 0
	s.memVols = nil
	s.mu.Unlock()
	if had && s.warn != nil {
		s.warn(fmt.Sprintf("emptyDirs of medium Memory are directories on disk: this kernel would not bind their tmpfs into a container (%v)", err))
	}
	return had
}

// tmpfsSubPath is subPathSource for a Memory emptyDir, whose path is the
// infra process's descriptor: resolving symlinks through that magic link
// would land on the host's root, so the subPath is walked inside the tmpfs
// (os.Root) and refused if any part of it is a symlink, whose target the
// kernel would resolve outside the volume.
func tmpfsSubPath(vol, subPath string) (string, error) {
	r, err := os.OpenRoot(vol)
	if err != nil {
		return "", err
	}
	defer r.Close()
	rel := strings.TrimPrefix(filepath.Clean("/"+subPath), "/")
	if rel == "" {
		return vol, nil
	}
	parts := strings.Split(rel, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		fi, err := r.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			if err := r.MkdirAll(rel, 0o777); err != nil {
				return "", err
			}
			break
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return "", fmt.Errorf("subPath %q goes through the symlink %s", subPath, p)
		}
	}
	return filepath.Join(vol, rel), nil
}

// infraLogLine returns the infra process's last log line starting with
// prefix, or a generic reason.
func (s *sandbox) infraLogLine(prefix string) string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "logs", ".infra.log"))
	msg := "the infra process could not make a tmpfs"
	for _, l := range bytes.Split(b, []byte("\n")) {
		if strings.HasPrefix(string(l), prefix) {
			msg = string(l)
		}
	}
	return msg
}

// makeTmpfs runs in the infra process: one detached tmpfs per "name=size:gid"
// argument, held at tmpfsFD onwards. A tmpfs root is 1777 as in the
// kubelet's mount; with an fsGroup it is that group's with the setgid bit,
// as the kubelet's SetVolumeOwnership leaves it.
func makeTmpfs(args []string) {
	defer unix.Dup3(2, tmpfsDoneFD, unix.O_CLOEXEC)
	for i, a := range args {
		name, spec, _ := strings.Cut(a, "=")
		size, gid, _ := strings.Cut(spec, ":")
		if err := makeOneTmpfs(tmpfsFD+i, size, gid); err != nil {
			fmt.Fprintf(os.Stderr, "%s %s: %v\n", tmpfsArg, name, err)
			return
		}
	}
}

func makeOneTmpfs(at int, size, gid string) error {
	fs, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return fmt.Errorf("fsopen: %w", err)
	}
	defer unix.Close(fs)
	opts := [][2]string{{"size", size}}
	if g, _ := strconv.ParseInt(gid, 10, 64); g >= 0 {
		opts = append(opts, [2]string{"gid", gid}, [2]string{"mode", "3777"})
	}
	for _, o := range opts {
		if err := unix.FsconfigSetString(fs, o[0], o[1]); err != nil {
			return fmt.Errorf("%s=%s: %w", o[0], o[1], err)
		}
	}
	if err := unix.FsconfigCreate(fs); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	m, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("fsmount: %w", err)
	}
	defer unix.Close(m)
	return unix.Dup3(m, at, unix.O_CLOEXEC)
}

// memTotal is the host's memory in bytes (/proc/meminfo), 0 if unknown.
func memTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
