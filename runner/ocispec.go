package runner

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/sys/capability"
	"github.com/opencontainers/runtime-spec/specs-go"
	v1 "k8s.io/api/core/v1"
)

// The OCI runtime spec of a container, as a pure function of the Pod, the
// container, the image's configuration and what the sandbox made for it:
// no file system access, no system calls, on any OS. The sandbox does the
// side effects (root filesystem, volumes, subPaths, files) first and hands
// their paths in; buildContainerSpec decides what the container sees.

// defaultCapabilities is the container runtimes' default set (containerd,
// CRI-O), which is what a Pod without securityContext.capabilities gets. In a
// rootless sandbox they only act inside the Pod's user namespace.
var defaultCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// baseSpec is runc's example spec made rootless (specconv.Example, then
// ToRootless), with no terminal, no cgroup resources and the container
// runtimes' default capabilities. Written out rather than generated: runc's
// functions read the host (the cgroup layout, the effective ids), and both
// callers replace what depends on it (namespaces, id mappings, hostname).
// TestBaseSpecIsRuncRootless keeps it equal to runc's.
func baseSpec(root string) *specs.Spec {
	caps := append([]string(nil), defaultCapabilities...)
	return &specs.Spec{
		Version: specs.Version,
		Root:    &specs.Root{Path: root, Readonly: true},
		Process: &specs.Process{
			Args:            []string{"sh"},
			Env:             []string{"PATH=" + defaultPath},
			Cwd:             "/",
			NoNewPrivileges: true,
			Capabilities:    &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
		},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			// Rootless: sysfs cannot be mounted, the host's is bound.
			{Destination: "/sys", Type: "none", Source: "/sys", Options: []string{"rbind", "nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
		},
		Linux: &specs.Linux{
			MaskedPaths: []string{
				"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
				"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
			},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		},
	}
}

// containerSpecInput is what buildContainerSpec needs besides the Pod: what
// the kubelet and the runtime resolved (environment, user) and what the
// sandbox made (paths, the infra process holding the namespaces).
type containerSpecInput struct {
	Pod       *v1.Pod
	Container *v1.Container
	Image     ImageConfig
	// Env is containerEnv's result.
	Env []string
	// User is resolveUser's result (it reads the image's /etc/passwd).
	User containerUser
	// Root is the container's root filesystem.
	Root string
	// InfraPID is the infra process, whose namespaces the container joins.
	InfraPID int
	// SandboxDir is the Pod's state directory, holding the sandbox files.
	SandboxDir string
	// MountSources holds the host path bound for each of the container's
	// volumeMounts, in order, its subPath resolved.
	MountSources []string
	// TermFile is the host file bound at terminationMessagePath.
	TermFile string
}

// buildContainerSpec returns the OCI spec of one container of the Pod: it
// joins the infra process's user, network, IPC and UTS namespaces (and its
// PID namespace when the Pod shares one), with a mount namespace of its own;
// its volumes, termination message file and /etc files are bind mounts. The
// process's user is recorded in Process.User; the sandbox applies the
// supplementary groups (see setUser).
func buildContainerSpec(in containerSpecInput) (*specs.Spec, error) {
	c := in.Container
	if len(in.MountSources) != len(c.VolumeMounts) {
		return nil, fmt.Errorf("container %s: %d mount sources for %d volumeMounts", c.Name, len(in.MountSources), len(c.VolumeMounts))
	}
	args := containerArgs(c, in.Image)
	if len(args) == 0 {
		return nil, fmt.Errorf("no command specified: the container has no command and image %s no entrypoint or cmd", c.Image)
	}
	spec := baseSpec(in.Root)
	spec.Root.Readonly = readOnlyRoot(c)
	// The kubelet asks for no_new_privs only when allowPrivilegeEscalation
	// is false (securitycontext.AddNoNewPrivileges); runc's example spec
	// always sets it, which would stop setuid programs that work in a cluster.
	spec.Process.NoNewPrivileges = c.SecurityContext != nil && c.SecurityContext.AllowPrivilegeEscalation != nil && !*c.SecurityContext.AllowPrivilegeEscalation
	// containerd's CRI removes the default spec's rlimits
	// (WithoutDefaultSecuritySettings): containers inherit the runtime's.
	spec.Process.Rlimits = nil
	if c.SecurityContext != nil && c.SecurityContext.Capabilities != nil {
		caps := withCapabilities(defaultCapabilities, c.SecurityContext.Capabilities)
		spec.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
	}
	cwd := c.WorkingDir
	if cwd == "" {
		cwd = in.Image.WorkingDir
	}
	if cwd == "" {
		cwd = "/"
	}
	spec.Process.Args = expandArgs(args, in.Env)
	spec.Process.Env = in.Env
	spec.Process.Cwd = cwd
	spec.Process.User = specs.User{UID: uint32(in.User.UID), GID: uint32(in.User.GID)}
	for _, g := range in.User.Groups {
		spec.Process.User.AdditionalGids = append(spec.Process.User.AdditionalGids, uint32(g))
	}
	// Joining the user namespace by path: the mappings are read from the
	// target process; giving them as well only yields a warning. A joiner
	// that sets a hostname renames the whole Pod: it has none.
	ns := func(t specs.LinuxNamespaceType, name string) specs.LinuxNamespace {
		return specs.LinuxNamespace{Type: t, Path: fmt.Sprintf("/proc/%d/ns/%s", in.InfraPID, name)}
	}
	spec.Linux.Namespaces = []specs.LinuxNamespace{
		ns(specs.UserNamespace, "user"), ns(specs.NetworkNamespace, "net"), ns(specs.IPCNamespace, "ipc"),
		ns(specs.UTSNamespace, "uts"), {Type: specs.MountNamespace},
	}
	if sharePID(in.Pod) {
		spec.Linux.Namespaces = append(spec.Linux.Namespaces, ns(specs.PIDNamespace, "pid"))
	} else {
		spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.PIDNamespace})
	}
	apiData := map[string]bool{}
	for i := range in.Pod.Spec.Volumes {
		apiData[in.Pod.Spec.Volumes[i].Name] = isAPIDataVolume(&in.Pod.Spec.Volumes[i])
	}
	for i, m := range c.VolumeMounts {
		opts := []string{"rbind", "rw"}
		// The kubelet mounts API-data volumes read-only whatever the mount says.
		if m.ReadOnly || apiData[m.Name] {
			opts = []string{"rbind", "ro"}
		}
		spec.Mounts = append(spec.Mounts, specs.Mount{Destination: m.MountPath, Source: in.MountSources[i], Type: "bind", Options: opts})
	}
	// The kubelet bind-mounts a host file at terminationMessagePath, so that
	// what the container writes there outlives it.
	spec.Mounts = append(spec.Mounts, specs.Mount{Destination: terminationMessagePath(c), Source: in.TermFile, Type: "bind", Options: []string{"rbind", "rw"}})
	spec.Mounts = append(spec.Mounts, etcMounts(in.SandboxDir, c)...)
	return spec, nil
}

// withCapabilities applies a container's capabilities.add and drop to the
// default set as containerd's CRI does (WithCapabilities): "ALL" in add
// grants every capability and "ALL" in drop removes every one, both before
// the individual names, so add [ALL] with drop [CHOWN] is all but CAP_CHOWN;
// names get the CAP_ prefix the API leaves out.
func withCapabilities(defaults []string, c *v1.Capabilities) []string {
	has := func(list []v1.Capability, name string) bool {
		for _, x := range list {
			if strings.ToUpper(string(x)) == name {
				return true
			}
		}
		return false
	}
	caps := append([]string(nil), defaults...)
	if has(c.Add, "ALL") {
		caps = allCapabilities()
	}
	if has(c.Drop, "ALL") {
		caps = nil
	}
	for _, a := range c.Add {
		name := "CAP_" + strings.ToUpper(string(a))
		if name != "CAP_ALL" && !slices.Contains(caps, name) {
			caps = append(caps, name)
		}
	}
	return slices.DeleteFunc(caps, func(name string) bool {
		return name != "CAP_ALL" && has(c.Drop, strings.TrimPrefix(name, "CAP_"))
	})
}

// allCapabilities is every capability this build knows, which inside the
// Pod's user namespace is what a container may hold; runc leaves out the
// ones the running kernel lacks.
func allCapabilities() []string {
	var out []string
	for _, c := range capability.ListKnown() {
		out = append(out, "CAP_"+strings.ToUpper(c.String()))
	}
	return out
}

// The sandbox's copies of the files every container gets at these paths.
var sandboxFileNames = map[string]string{"/etc/hosts": "etc-hosts", "/etc/hostname": "hostname", "/etc/resolv.conf": "resolv.conf"}

// etcMounts are the bind mounts of the sandbox files (in dir) into c:
// /etc/hosts is the kubelet's mount (makeMounts: writable, left out when a
// volume is mounted there); /etc/hostname and /etc/resolv.conf are the
// runtime's (containerd's containerMounts: read-only with a read-only root
// filesystem, left out when a mount of the container's is there).
func etcMounts(dir string, c *v1.Container) []specs.Mount {
	var out []specs.Mount
	for _, path := range []string{"/etc/hosts", "/etc/hostname", "/etc/resolv.conf"} {
		if mountedAt(c, path) {
			continue
		}
		mode := "rw"
		if path != "/etc/hosts" && readOnlyRoot(c) {
			mode = "ro"
		}
		out = append(out, specs.Mount{Destination: path, Source: filepath.Join(dir, sandboxFileNames[path]), Type: "bind", Options: []string{"rbind", mode}})
	}
	return out
}

func mountedAt(c *v1.Container, path string) bool {
	for _, m := range c.VolumeMounts {
		if filepath.Clean(m.MountPath) == path {
			return true
		}
	}
	return false
}
