//go:build linux && cgo

package runner

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// usernsHelperName is argv[0] of podlint re-executed as root of a user
// namespace with the Pod's id mappings. Files that containers create as
// subordinate ids (in an emptyDir, in an overlay's upper layer) cannot be
// removed by the invoking user on the host, nor can it give a volume to an
// fsGroup: root of a user namespace mapping those ids can.
const usernsHelperName = "podlint-userns-helper"

// usernsStageEnv marks the helper's second stage: the process that created
// the user namespace had no mapping when it executed and so no capabilities
// in it; executed again once mapped, it is root there with all of them.
const usernsStageEnv = "_PODLINT_USERNS_STAGE"

// inUserNS runs the helper with args ("rm PATH..." or "fsgroup GID DIR") as
// root of a new user namespace mapped as m, with newuidmap and newgidmap.
func inUserNS(m idMap, args ...string) error {
	exe, err := executable()
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer w.Close()
	cmd := exec.Command(exe, args...)
	cmd.Args[0] = usernsHelperName
	cmd.Env = []string{"PATH=" + defaultPath}
	cmd.ExtraFiles = []*os.File{r}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWUSER, Pdeathsig: unix.SIGKILL}
	err = cmd.Start()
	r.Close()
	if err != nil {
		return err
	}
	pid := strconv.Itoa(cmd.Process.Pid)
	for _, tool := range []struct {
		name string
		maps []specs.LinuxIDMapping
	}{{"newuidmap", m.uids}, {"newgidmap", m.gids}} {
		argv := []string{pid}
		for _, l := range tool.maps {
			argv = append(argv, strconv.Itoa(int(l.ContainerID)), strconv.Itoa(int(l.HostID)), strconv.Itoa(int(l.Size)))
		}
		if b, err := exec.Command(tool.name, argv...).CombinedOutput(); err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return fmt.Errorf("%s: %v: %s", tool.name, err, bytes.TrimSpace(b))
		}
	}
	_, _ = w.Write([]byte{1})
	w.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("%s %s: %v: %s", usernsHelperName, strings.Join(args, " "), err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

// usernsHelperMain is the helper's entry (see inUserNS).
func usernsHelperMain(args []string) int {
	if os.Getenv(usernsStageEnv) == "" {
		sync := os.NewFile(3, "sync")
		b := make([]byte, 1)
		if n, _ := sync.Read(b); n != 1 {
			return 1 // the parent could not map the namespace
		}
		sync.Close()
		env := append(os.Environ(), usernsStageEnv+"=2")
		err := unix.Exec("/proc/self/exe", os.Args, env)
		fmt.Fprintln(os.Stderr, "re-execute:", err)
		return 1
	}
	if len(args) == 0 {
		return 2
	}
	switch {
	case args[0] == "rm":
		for _, p := range args[1:] {
			if err := removeTree(p); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		return 0
	case args[0] == "fsgroup" && len(args) == 3:
		gid, err := strconv.Atoi(args[1])
		if err != nil {
			return 2
		}
		if err := setVolumeOwnership(args[2], gid); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(os.Stderr, "%s: unknown operation %q\n", usernsHelperName, args)
	return 2
}

// setVolumeOwnership is the kubelet's volume.SetVolumeOwnership for fsGroup:
// everything in dir gets group gid, read-write for the group, and
// directories the setgid bit so that new files inherit the group.
func setVolumeOwnership(dir string, gid int) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(path, -1, gid); err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil || info.Mode()&fs.ModeSymlink != 0 {
			return err
		}
		mode := info.Mode() | 0o660
		if d.IsDir() {
			mode |= fs.ModeSetgid | 0o110
		}
		return os.Chmod(path, mode)
	})
}
