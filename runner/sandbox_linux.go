//go:build linux && cgo

package runner

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/specconv"
	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
)

// threadStarter runs every libcontainer start on one goroutine locked to its
// OS thread: the parent-death signal set in the init re-exec fires when the
// thread that forked the child exits, so that thread must live exactly as
// long as the sandbox.
type threadStarter struct {
	ch chan func()
}

func newThreadStarter() *threadStarter {
	t := &threadStarter{ch: make(chan func())}
	go func() {
		runtime.LockOSThread()
		// Never unlocked: when the channel closes the goroutine exits and the
		// runtime ends the thread, SIGKILLing anything still started from it.
		for f := range t.ch {
			f()
		}
	}()
	return t
}

func (t *threadStarter) do(f func()) {
	done := make(chan struct{})
	t.ch <- func() { f(); close(done) }
	<-done
}

func (t *threadStarter) stop() { close(t.ch) }

// sandbox is one Pod's infra process and state directory.
type sandbox struct {
	id       string
	dir      string // state directory of this Pod
	lcRoot   string // libcontainer's state root
	pod      *v1.Pod
	images   Images
	src      *EnvSources // ConfigMaps and Secrets for env and envFrom
	warn     func(string)
	ids      idMap // the Pod's user namespace mappings
	starter  *threadStarter
	infra    *libcontainer.Container
	infraPid int
	lock     *os.File
	files    sandboxFiles      // hostname, /etc/hosts, /etc/resolv.conf
	memVols  map[string]string // medium Memory emptyDirs: the tmpfs to bind, by volume name

	mu    sync.Mutex
	seq   int
	ahead map[string]*ahead // containers created ahead, by name
	bg    sync.WaitGroup    // removals of exited containers (instance.destroy)
	// users holds each container's user by libcontainer id: execs (probes,
	// hooks) run as the container's user, as CRI exec does.
	users sync.Map
	// execs holds the processes exec'd in each container (by libcontainer
	// id) that still run.
	execs map[string]map[*libcontainer.Process]struct{}
}

func randomID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// podsDir is where every Pod's state directory lives under the state root.
func podsDir(stateRoot string) string { return filepath.Join(stateRoot, "pods") }

// collectLeftovers removes the state of Pods whose podlint died (SIGKILL, a
// crash): a live run holds an flock on its directory's lock file. Containers
// found there are killed, waited for and destroyed before removal.
func collectLeftovers(stateRoot string, idm idMap) {
	entries, err := os.ReadDir(podsDir(stateRoot))
	if err != nil {
		return
	}
	for _, e := range entries {
		dir := filepath.Join(podsDir(stateRoot), e.Name())
		f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			continue
		}
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
			f.Close()
			continue // still in use
		}
		lcRoot := filepath.Join(dir, "lc")
		ids, _ := os.ReadDir(lcRoot)
		for _, id := range ids {
			c, err := libcontainer.Load(lcRoot, id.Name())
			if err != nil {
				continue
			}
			_ = c.Signal(unix.SIGKILL)
			if st, err := c.State(); err == nil && st.InitProcessPid > 0 {
				waitGone(st.InitProcessPid, 2*time.Second)
			}
			_ = c.Destroy()
		}
		_ = removeAll(idm, dir)
		f.Close()
	}
}

// waitGone polls until pid no longer exists (it is not our child, so it
// cannot be waited for).
func waitGone(pid int, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if unix.Kill(pid, 0) == unix.ESRCH {
			return
		}
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil && zombieStat(b) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func zombieStat(b []byte) bool {
	i := bytes.LastIndexByte(b, ')')
	return i > 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// newSandbox creates the Pod's state directory and starts its infra process.
// payloads holds the files of the Pod's configMap, secret, downwardAPI and
// projected volumes, by volume name.
func newSandbox(stateRoot string, pod *v1.Pod, images Images, src *EnvSources, payloads map[string][]volumeFile, ids idMap, files sandboxFiles, warn func(string)) (_ *sandbox, err error) {
	if err := os.MkdirAll(podsDir(stateRoot), 0o700); err != nil {
		return nil, err
	}
	collectLeftovers(stateRoot, ids)
	s := &sandbox{id: "p" + randomID(), pod: pod, images: images, src: src, ids: ids, files: files, warn: warn}
	s.dir = filepath.Join(podsDir(stateRoot), s.id)
	s.lcRoot = filepath.Join(s.dir, "lc")
	// As root, container root is another user: it must be able to reach its
	// root filesystem and volumes (traverse only, no listing).
	mode := os.FileMode(0o700)
	if os.Geteuid() == 0 {
		mode = 0o711
		for _, d := range []string{stateRoot, podsDir(stateRoot)} {
			if err := os.Chmod(d, 0o711); err != nil {
				return nil, err
			}
		}
	}
	for _, d := range []string{s.dir, s.lcRoot, filepath.Join(s.dir, "rootfs"), filepath.Join(s.dir, "volumes"), filepath.Join(s.dir, "logs")} {
		if err := os.MkdirAll(d, mode); err != nil {
			return nil, err
		}
		if err := os.Chmod(d, mode); err != nil {
			return nil, err
		}
	}
	s.lock, err = os.OpenFile(filepath.Join(s.dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(s.lock.Fd()), unix.LOCK_EX); err != nil {
		return nil, err
	}
	s.starter = newThreadStarter()
	defer func() {
		if err != nil {
			s.teardown()
		}
	}()
	for _, vol := range pod.Spec.Volumes {
		var files []volumeFile
		if isAPIDataVolume(&vol) {
			files = payloads[vol.Name]
			if files == nil {
				files = []volumeFile{} // an optional source that is missing: an empty volume
			}
		}
		if err := s.makeVolume(filepath.Join(s.dir, "volumes", vol.Name), files); err != nil {
			return nil, fmt.Errorf("volume %s: %w", vol.Name, err)
		}
	}
	if err := s.writeSandboxFiles(); err != nil {
		return nil, err
	}
	if err := s.startInfra(); err != nil {
		return nil, fmt.Errorf("start infra container: %w", err)
	}
	s.createAhead()
	return s, nil
}

// makeVolume creates an emptyDir as the kubelet does: world-writable (any
// container user may use it), and with fsGroup, group-owned by it with the
// setgid bit (volume.SetVolumeOwnership). With files (a configMap, secret,
// downwardAPI or projected volume, mounted read-only) it holds them in the
// atomic writer's layout first.
func (s *sandbox) makeVolume(dir string, files []volumeFile) error {
	if err := os.Mkdir(dir, 0o777); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		return err
	}
	if files != nil {
		if err := writeAtomic(dir, files); err != nil {
			return err
		}
	}
	uid, gid := s.ids.rootHostID()
	if err := chownTree(dir, uid, gid); err != nil {
		return err
	}
	psc := s.pod.Spec.SecurityContext
	if psc == nil || psc.FSGroup == nil {
		return nil
	}
	fsGroup := *psc.FSGroup
	if os.Geteuid() == 0 {
		hostGID, ok := hostID(s.ids.gids, fsGroup)
		if !ok {
			return s.ids.check(containerUser{GID: fsGroup}, "fsGroup")
		}
		return setVolumeOwnership(dir, hostGID)
	}
	if fsGroup == 0 {
		return setVolumeOwnership(dir, os.Getegid())
	}
	if err := s.ids.check(containerUser{GID: fsGroup}, "fsGroup"); err != nil {
		return err
	}
	return inUserNS(s.ids, "fsgroup", strconv.FormatInt(fsGroup, 10), dir)
}

// removeAll removes dir, as root of a user namespace with the Pod's mappings
// when the invoking user cannot: a container running as a subordinate id may
// have left directories only that id can write to.
func removeAll(ids idMap, dir string) error {
	err := removeTree(dir)
	if err == nil || os.Geteuid() == 0 || !ids.ranged() {
		return err
	}
	if _, statErr := os.Lstat(dir); os.IsNotExist(statErr) {
		return nil
	}
	return inUserNS(ids, "rm", dir)
}

// removeStart removes a container start's directory and the files next to
// it (termination log, groups, owners link).
func removeStart(ids idMap, dir string) {
	_ = removeAll(ids, dir)
	for _, suffix := range []string{".termination-log", groupsSuffix, ownersSuffix} {
		_ = os.Remove(dir + suffix)
	}
}

func (s *sandbox) startInfra() error {
	root := filepath.Join(s.dir, "infra-rootfs")
	for _, d := range []string{"usr", "proc", "dev", "sys", "etc", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	// podlint is linked against the host's libc: the infra root sees the
	// host's /usr read-only and nothing else of it.
	for _, l := range []string{"lib", "lib64", "bin", "sbin"} {
		if _, err := os.Lstat("/" + l); err == nil {
			if err := os.Symlink("usr/"+l, filepath.Join(root, l)); err != nil {
				return err
			}
		}
	}
	if err := os.WriteFile(filepath.Join(root, "pause"), nil, 0o755); err != nil {
		return err
	}
	exe, err := executable()
	if err != nil {
		return err
	}
	spec := baseSpec(root)
	spec.Linux.UIDMappings = append([]specs.LinuxIDMapping(nil), s.ids.uids...)
	spec.Linux.GIDMappings = append([]specs.LinuxIDMapping(nil), s.ids.gids...)
	spec.Hostname = s.files.Hostname
	spec.Process.Args = append([]string{pauseName}, s.tmpfsArgs(spec)...)
	spec.Root.Readonly = true
	spec.Linux.Namespaces = []specs.LinuxNamespace{
		{Type: specs.UserNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace},
		{Type: specs.UTSNamespace}, {Type: specs.MountNamespace}, {Type: specs.PIDNamespace},
	}
	spec.Mounts = append(spec.Mounts,
		specs.Mount{Destination: "/pause", Source: exe, Type: "bind", Options: []string{"bind", "ro"}},
		specs.Mount{Destination: "/usr", Source: "/usr", Type: "bind", Options: []string{"rbind", "ro"}},
	)
	c, err := s.create(s.id+"-infra", spec)
	if err != nil {
		return err
	}
	s.infra = c
	logf, err := os.Create(filepath.Join(s.dir, "logs", ".infra.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	p := &libcontainer.Process{Args: spec.Process.Args, Env: spec.Process.Env, Cwd: "/", Init: true, Stdout: logf, Stderr: logf}
	if err := s.run(c, p); err != nil {
		return err
	}
	if s.infraPid, err = p.Pid(); err != nil {
		return err
	}
	go func() { _, _ = p.Wait() }() // reap it when it ends
	s.awaitTmpfs()
	return nil
}

// specconvMu serializes spec conversion: it writes the host root ids into
// specconv's package-level default device list, and the config it returns
// points into that list, which libcontainer reads whenever it saves state:
// each config gets its own copies while the lock is held.
var specconvMu sync.Mutex

func (s *sandbox) create(id string, spec *specs.Spec) (*libcontainer.Container, error) {
	specconvMu.Lock()
	defer specconvMu.Unlock()
	cfg, err := specconv.CreateLibcontainerConfig(&specconv.CreateOpts{
		CgroupName:   id,
		Spec:         spec,
		RootlessEUID: os.Geteuid() != 0,
		// No cgroups are used (none are delegated to unprivileged users
		// here); as root this keeps the same behaviour.
		RootlessCgroups: true,
	})
	if err != nil {
		return nil, err
	}
	for i, d := range cfg.Devices {
		own := *d
		cfg.Devices[i] = &own
	}
	return libcontainer.Create(s.lcRoot, id, cfg)
}

func (s *sandbox) run(c *libcontainer.Container, p *libcontainer.Process) error {
	var err error
	s.starter.do(func() { err = c.Run(p) })
	return err
}

// instance is one start of one container.
type instance struct {
	c      *libcontainer.Container
	spec   *v1.Container
	proc   *libcontainer.Process
	pid    int
	rootfs string          // the start's directory: a copied root or an overlay's directories
	ids    idMap           // the Pod's id mappings, to remove what the container wrote
	bg     *sync.WaitGroup // the sandbox's background removals
	env    []string        // the container's environment, for exec probes and hooks
	// stopSignal is the image's STOPSIGNAL, else SIGTERM.
	stopSignal unix.Signal
	done       chan struct{} // closed when the process has exited
	exit       int           // exit code, 128+signal when killed
	reason     string        // "Completed", "Error"
	at         time.Time     // when it exited
	message    string        // the termination message
	// termFile is the host file bind-mounted at terminationMessagePath;
	// logFile holds the container's output, this run's from logStart.
	termFile, logFile string
	logStart          int64
	logged            chan struct{} // closed once the log pipe is drained
}

// prepared is a created container whose init waits to execute the
// container's process (runc create without runc start).
type prepared struct {
	lc         *libcontainer.Container
	proc       *libcontainer.Process
	dir        string // the start's directory (see instance.rootfs)
	ids        idMap
	termFile   string
	logFile    string
	logStart   int64
	logged     chan struct{} // closed once the log pipe is drained
	env        []string
	user       containerUser
	stopSignal unix.Signal
}

// ahead is a container being created before the Pod worker starts it.
type ahead struct {
	done    chan struct{}
	pr      *prepared
	err     error
	starter *threadStarter
	taken   bool
}

// maxAhead bounds how many containers are created ahead, each from its own
// thread.
const maxAhead = 4

// createAhead creates the first run of the Pod's first containers (init
// containers, then app containers) in parallel, each on its own locked
// thread, right after the infra container. Creation (runc create: the init
// process, namespaces, mounts, root filesystem) is most of a start; the
// container's process only runs when the Pod worker starts it, in the
// kubelet's order, so nothing of the Pod's lifecycle changes. Not with a
// shared process namespace, where the waiting init would show in ps.
func (s *sandbox) createAhead() {
	if sharePID(s.pod) {
		return
	}
	all := map[string]*ahead{}
	var list []*v1.Container
	for i := range s.pod.Spec.InitContainers {
		list = append(list, &s.pod.Spec.InitContainers[i])
	}
	for i := range s.pod.Spec.Containers {
		list = append(list, &s.pod.Spec.Containers[i])
	}
	// Not those whose start pulls first (a missing image, imagePullPolicy
	// Always): they must be created from what the pull brings, or wait. Nor
	// those with a subPath: the kubelet resolves it when it creates the
	// container, after the containers before it ran (an init container may
	// write the file an app container mounts); resolved ahead, a missing
	// path would become a directory first.
	list = slices.DeleteFunc(list, func(c *v1.Container) bool {
		present, pull, _ := imageDecision(s.images, c, false)
		return pull || !present || slices.ContainsFunc(c.VolumeMounts, func(m v1.VolumeMount) bool { return m.SubPath != "" })
	})
	list = list[:min(len(list), maxAhead)]
	for _, c := range list {
		all[c.Name] = &ahead{done: make(chan struct{}), starter: newThreadStarter()}
	}
	s.mu.Lock()
	s.ahead = all
	s.mu.Unlock()
	// Begun in order, as many at once as there are CPUs: the first init
	// container is among the first ready, and creations do not just share
	// a core.
	sem := make(chan struct{}, max(1, min(runtime.NumCPU(), maxAhead)))
	go func() {
		for _, c := range list {
			a := all[c.Name]
			sem <- struct{}{}
			go func() {
				defer func() { <-sem }()
				defer close(a.done)
				a.pr, a.err = s.prepare(c, a.starter)
			}()
		}
	}()
}

// takeAhead returns the container created ahead for c, once, or nil (none,
// or its creation failed: a start then creates it again and reports why).
func (s *sandbox) takeAhead(c *v1.Container) *prepared {
	s.mu.Lock()
	a := s.ahead[c.Name]
	if a == nil || a.taken {
		s.mu.Unlock()
		return nil
	}
	a.taken = true
	s.mu.Unlock()
	<-a.done
	return a.pr
}

// dropAhead kills and removes the containers created ahead that were never
// started, waiting for those still being created.
func (s *sandbox) dropAhead() {
	s.mu.Lock()
	all := s.ahead
	s.ahead = nil
	s.mu.Unlock()
	for _, a := range all {
		<-a.done
		s.mu.Lock()
		taken := a.taken
		a.taken = true
		s.mu.Unlock()
		if !taken && a.pr != nil {
			_ = a.pr.proc.Signal(unix.SIGKILL)
			_, _ = a.pr.proc.Wait()
			a.pr.discard()
		}
		a.starter.stop()
	}
}

// discard removes a prepared container that will not run.
func (pr *prepared) discard() {
	_ = pr.lc.Destroy()
	removeStart(pr.ids, pr.dir)
}

// start runs a prepared container's process; onExit is called when it has
// exited.
func (s *sandbox) start(c *v1.Container, pr *prepared, onExit func()) (*instance, error) {
	if err := pr.lc.Exec(); err != nil {
		_ = pr.proc.Signal(unix.SIGKILL)
		_, _ = pr.proc.Wait()
		pr.discard()
		return nil, err
	}
	pid, _ := pr.proc.Pid()
	s.users.Store(pr.lc.ID(), pr.user)
	in := &instance{c: pr.lc, spec: c, proc: pr.proc, pid: pid, rootfs: pr.dir, ids: s.ids, bg: &s.bg, env: pr.env, stopSignal: pr.stopSignal, done: make(chan struct{}),
		termFile: pr.termFile, logFile: pr.logFile, logStart: pr.logStart, logged: pr.logged}
	go func() {
		in.wait()
		if onExit != nil {
			onExit()
		}
	}()
	in.waitExec()
	return in, nil
}

// prepare creates a fresh root filesystem for c and creates the container
// from starter's thread, up to the point where its init waits to execute the
// container's process.
func (s *sandbox) prepare(c *v1.Container, starter *threadStarter) (*prepared, error) {
	image, cfg, err := s.images.Resolve(c.Image)
	if err != nil {
		return nil, err
	}
	// The environment first: a missing ConfigMap or Secret fails the start
	// before anything is created, as in the kubelet.
	env, err := containerEnv(s.pod, c, cfg.Env, s.files.Hostname, s.src, &v1.PodStatus{
		PodIP: podIP, PodIPs: []v1.PodIP{{IP: podIP}}, HostIP: podIP, HostIPs: []v1.HostIP{{IP: podIP}},
	})
	if err != nil {
		return nil, err
	}
	// The kubelet checks runAsNonRoot while it builds the container's
	// configuration; the runtime then resolves the user in the image.
	if err := verifyRunAsNonRoot(s.pod, c, cfg.User); err != nil {
		return nil, &ConfigError{Msg: err.Error()}
	}
	user, err := resolveUser(s.pod, c, cfg.User, image)
	if err != nil {
		return nil, err
	}
	if err := s.ids.check(user, "container "+c.Name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("%s-%s-%d", s.id, sanitize(c.Name), s.seq)
	s.mu.Unlock()
	dir := filepath.Join(s.dir, "rootfs", id)
	ok := false
	defer func() {
		if !ok {
			removeStart(s.ids, dir)
		}
	}()
	overlay := useOverlay(image)
	root := dir
	if overlay {
		root, _, err = prepareOverlay(image, dir)
	} else {
		err = copyTree(image, root)
	}
	if err != nil {
		return nil, fmt.Errorf("prepare root filesystem: %w", err)
	}
	if s.ids.ranged() {
		// Without a range, setgroups is denied in the Pod's user namespace.
		if err := writeGroups(dir, user.Groups); err != nil {
			return nil, err
		}
	}
	if cfg.OwnersFile != "" {
		if err := os.Symlink(cfg.OwnersFile, dir+ownersSuffix); err != nil {
			return nil, err
		}
	}
	if uid, gid := s.ids.rootHostID(); os.Geteuid() == 0 {
		if err := chownTree(root, uid, gid); err != nil {
			return nil, err
		}
	}
	// The side effects: each mount's source (a subPath resolved, created
	// if missing, as the kubelet does when it creates the container) and
	// the termination message file.
	sources := make([]string, len(c.VolumeMounts))
	usesTmpfs := false
	for i, m := range c.VolumeMounts {
		src := filepath.Join(s.dir, "volumes", m.Name)
		resolve := subPathSource
		if tmpfs, ok := s.tmpfsSource(m.Name); ok {
			src, usesTmpfs, resolve = tmpfs, true, tmpfsSubPath
		}
		if m.SubPath != "" {
			if src, err = resolve(src, m.SubPath); err != nil {
				return nil, configErrorf("failed to prepare subPath for volumeMount %q of container %q: %v", m.Name, c.Name, err)
			}
		}
		sources[i] = src
	}
	// World-writable, as the kubelet makes it, for containers that do not
	// run as root.
	termFile := dir + ".termination-log"
	if err := os.WriteFile(termFile, nil, 0o666); err != nil {
		return nil, err
	}
	if err := os.Chmod(termFile, 0o666); err != nil {
		return nil, err
	}
	spec, err := buildContainerSpec(containerSpecInput{
		Pod: s.pod, Container: c, Image: cfg, Env: env, User: user, Root: root,
		InfraPID: s.infraPid, SandboxDir: s.dir, MountSources: sources, TermFile: termFile,
	})
	if err != nil {
		return nil, err
	}
	lc, err := s.create(id, spec)
	if err != nil {
		return nil, err
	}
	// The log is written on the runtime side, from a pipe that is the
	// container's stdout and stderr, as under containerd and CRI-O: a process
	// in the container that opens /proc/1/fd/1 (an exec hook logging into the
	// container's log) appends to it instead of truncating a file.
	logf, err := os.OpenFile(s.logPath(c.Name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		_ = lc.Destroy()
		return nil, err
	}
	// This run's output starts here: the log file holds every run, and the
	// termination message falls back to this run's output only.
	var logStart int64
	if fi, err := logf.Stat(); err == nil {
		logStart = fi.Size()
	}
	logR, logW, err := os.Pipe()
	if err != nil {
		logf.Close()
		_ = lc.Destroy()
		return nil, err
	}
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		_, _ = io.Copy(logf, logR)
		logR.Close()
		logf.Close()
	}()
	// The container holds the write end from its start; ours goes.
	defer logW.Close()
	p := &libcontainer.Process{
		Args: spec.Process.Args, Env: spec.Process.Env, Cwd: spec.Process.Cwd, Init: true,
		Stdout: logW, Stderr: logW,
	}
	s.setUser(p, user)
	starter.do(func() { err = lc.Start(p) })
	if err != nil {
		_ = lc.Destroy()
		msg, overlayFailed := overlayFailure(dir)
		if overlay && overlayFailed {
			// The kernel refused overlayfs in the user namespace (before
			// 5.11, or a file system it cannot stack on): copy from now on.
			overlayBroken.Store(true)
			if s.warn != nil {
				s.warn("container root filesystems are copied, which is slower: " + msg)
			}
			return s.prepare(c, starter)
		}
		if usesTmpfs && s.dropTmpfs(err) {
			return s.prepare(c, starter)
		}
		return nil, err
	}
	ok = true
	return &prepared{lc: lc, proc: p, dir: dir, ids: s.ids, termFile: termFile, logFile: s.logPath(c.Name), logStart: logStart,
		logged: logged, env: env, user: user, stopSignal: parseSignal(cfg.StopSignal)}, nil
}

// setUser makes p run as u. Supplementary groups are set by the container's
// init (groupsSuffix): an exec'd process (probe, hook) keeps the ones
// podlint has, which the Pod's user namespace does not map.
func (s *sandbox) setUser(p *libcontainer.Process, u containerUser) {
	p.UID, p.GID = int(u.UID), int(u.GID)
	if os.Geteuid() == 0 && s.ids.ranged() {
		// As root libcontainer sets them itself (and would clear any
		// set earlier).
		for _, g := range u.Groups {
			p.AdditionalGroups = append(p.AdditionalGroups, int(g))
		}
	}
}

// waitExec waits until the container's process has left libcontainer's init
// and executed the entrypoint: Run returns before that, and a stop signal
// that arrives earlier hits the init instead of the container's process.
func (in *instance) waitExec() {
	initArgs := []byte(os.Args[0] + "\x00init\x00")
	path := "/proc/" + strconv.Itoa(in.pid) + "/cmdline"
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		b, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(b, initArgs) || in.exited() {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func (in *instance) wait() {
	st, err := in.proc.Wait()
	in.exit, in.reason = exitOf(st, err)
	in.at = time.Now()
	// The log holds what the run wrote once the pipe is drained; a process
	// left behind in a shared process namespace may keep it open.
	select {
	case <-in.logged:
	case <-time.After(time.Second):
	}
	in.message = terminationMessage(in.spec, in.exit, in.termFile, in.logFile, in.logStart)
	close(in.done)
}

// exitOf turns a wait status into the exit code the kubelet reports (128 plus
// the signal for a killed process) and the terminated reason.
func exitOf(st *os.ProcessState, err error) (int, string) {
	if st == nil {
		var ee interface{ Sys() any }
		if errors.As(err, &ee) {
			st, _ = ee.(*os.ProcessState)
		}
	}
	code := -1
	if st != nil {
		if ws, ok := st.Sys().(syscall.WaitStatus); ok {
			switch {
			case ws.Exited():
				code = ws.ExitStatus()
			case ws.Signaled():
				code = 128 + int(ws.Signal())
			}
		}
	}
	if code == 0 {
		return 0, "Completed"
	}
	return code, "Error"
}

// parseSignal reads a STOPSIGNAL value ("SIGQUIT", "QUIT" or "3"); anything
// else means SIGTERM.
func parseSignal(s string) unix.Signal {
	if s == "" {
		return unix.SIGTERM
	}
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 65 {
		return unix.Signal(n)
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig
	}
	return unix.SIGTERM
}

// exited reports whether the instance's process has exited.
func (in *instance) exited() bool {
	select {
	case <-in.done:
		return true
	default:
		return false
	}
}

func (in *instance) signal(sig unix.Signal) {
	if !in.exited() {
		_ = in.proc.Signal(sig)
	}
}

// destroy removes an exited instance's libcontainer state and root
// filesystem, in the background: the kubelet starts the next container once
// it has seen an exit, not once the runtime has removed the container, and a
// removal may take a helper process (removeAll). The sandbox's teardown
// waits for it.
func (in *instance) destroy() {
	in.bg.Add(1)
	go func() {
		defer in.bg.Done()
		_ = in.c.Destroy()
		removeStart(in.ids, in.rootfs)
	}()
}

// execIn runs args in the namespaces of c (an exec probe or hook) and returns
// its exit code and combined output; it is killed when timeout passes.
func (s *sandbox) execIn(c *libcontainer.Container, args, env []string, timeout time.Duration) (int, string, error) {
	if env == nil {
		env = []string{"PATH=" + defaultPath}
	}
	var out bytes.Buffer
	w := &lockedWriter{w: &limitedWriter{w: &out, n: 10 << 10}}
	p := &libcontainer.Process{Args: args, Env: env, Cwd: "/", Stdout: w, Stderr: w}
	if u, ok := s.users.Load(c.ID()); ok {
		s.setUser(p, u.(containerUser))
	}
	if err := s.run(c, p); err != nil {
		return -1, "", err
	}
	s.trackExec(c.ID(), p, true)
	defer s.trackExec(c.ID(), p, false)
	done := make(chan struct{})
	var code int
	timedOut := false
	go func() {
		st, err := p.Wait()
		code, _ = exitOf(st, err)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(timeout):
		timedOut = true
		_ = p.Signal(unix.SIGKILL)
		<-done
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if timedOut {
		return code, out.String(), fmt.Errorf("command timed out after %s", timeout)
	}
	return code, out.String(), nil
}

func (s *sandbox) trackExec(id string, p *libcontainer.Process, running bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.execs == nil {
		s.execs = map[string]map[*libcontainer.Process]struct{}{}
	}
	if running {
		if s.execs[id] == nil {
			s.execs[id] = map[*libcontainer.Process]struct{}{}
		}
		s.execs[id][p] = struct{}{}
		return
	}
	delete(s.execs[id], p)
}

// killExecs kills what still runs of the processes exec'd in container id.
func (s *sandbox) killExecs(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range s.execs[id] {
		_ = p.Signal(unix.SIGKILL)
	}
}

// httpGet performs an HTTP GET from inside the Pod's network namespace.
func (s *sandbox) httpGet(url string, timeout time.Duration) httpResult {
	_, out, err := s.execIn(s.infra, []string{pauseName, "http-get", url, timeout.String()}, nil, timeout+time.Second)
	if err != nil {
		return httpResult{Err: err.Error()}
	}
	return parseHTTPResult(out)
}

// grpcHealth runs a gRPC health check from inside the Pod's network
// namespace, on the Pod's IP as the kubelet does.
func (s *sandbox) grpcHealth(port int, service string, timeout time.Duration) (bool, string) {
	addr := net.JoinHostPort(podIP, strconv.Itoa(port))
	code, out, err := s.execIn(s.infra, []string{pauseName, "grpc-health", addr, service, timeout.String()}, nil, timeout+time.Second)
	if err != nil {
		return false, err.Error()
	}
	return code == 0, strings.TrimSpace(out)
}

// tcpListening reports whether something listens on port in the Pod's network
// namespace, read from the infra process's /proc/PID/net/tcp{,6}: no
// namespace needs entering.
func (s *sandbox) tcpListening(port int) bool {
	for _, f := range []string{"tcp", "tcp6"} {
		fh, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", s.infraPid, f))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || fields[3] != "0A" { // 0A is TCP_LISTEN
				continue
			}
			i := strings.LastIndexByte(fields[1], ':')
			if p, err := strconv.ParseInt(fields[1][i+1:], 16, 32); err == nil && int(p) == port {
				fh.Close()
				return true
			}
		}
		fh.Close()
	}
	return false
}

func (s *sandbox) logPath(name string) string {
	return filepath.Join(s.dir, "logs", sanitize(name)+".log")
}

// teardown kills the infra process (ending a shared PID namespace with it),
// destroys every libcontainer state and removes the Pod's directory.
func (s *sandbox) teardown() {
	s.dropAhead()
	s.bg.Wait()
	if s.infra != nil {
		_ = s.infra.Signal(unix.SIGKILL)
		if s.infraPid > 0 {
			waitGone(s.infraPid, 5*time.Second)
		}
	}
	ids, _ := os.ReadDir(s.lcRoot)
	for _, id := range ids {
		if c, err := libcontainer.Load(s.lcRoot, id.Name()); err == nil {
			_ = c.Signal(unix.SIGKILL)
			_ = c.Destroy()
		}
	}
	if s.starter != nil {
		s.starter.stop()
	}
	_ = removeAll(s.ids, s.dir)
	if s.lock != nil {
		s.lock.Close()
	}
}

func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, name)
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) > l.n {
		p = p[:l.n]
	}
	l.n -= len(p)
	if len(p) > 0 {
		if _, err := l.w.Write(p); err != nil {
			return 0, err
		}
	}
	return n, nil
}
