//go:build linux && cgo

package runner

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
)

// The libcontainer sandbox is this build's runtime.
var (
	defaultRunSandbox runSandbox = runLibcontainerSandbox
	preflight                    = checkPodIDs
)

// checkPodIDs makes sure every id a container will run as is mapped in the
// Pod's user namespace, before anything starts. A user the image cannot
// resolve fails that container's creation later, as in the kubelet.
func checkPodIDs(pod *v1.Pod, opts *Options) error {
	ids := podIDMap()
	for _, list := range []struct {
		path string
		ctrs []v1.Container
	}{{"spec.initContainers", pod.Spec.InitContainers}, {"spec.containers", pod.Spec.Containers}} {
		for i := range list.ctrs {
			c := &list.ctrs[i]
			root, cfg, err := opts.Images.Resolve(c.Image)
			if errors.Is(err, ErrImageNotLoaded) {
				// Pulled at its start, as its imagePullPolicy allows; an
				// unmapped user then fails that container's creation.
				continue
			}
			if err != nil {
				return err
			}
			if u, err := resolveUser(pod, c, cfg.User, root); err == nil {
				if err := ids.check(u, fmt.Sprintf("%s[%d] (%s)", list.path, i, c.Name)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// runLibcontainerSandbox is RunPodSandbox for the libcontainer sandbox.
func runLibcontainerSandbox(pod *v1.Pod, opts *Options, payloads map[string][]volumeFile, files sandboxFiles, onExit func()) (podRuntime, error) {
	sb, err := newSandbox(opts.StateDir, pod, opts.Images, &opts.EnvSources, payloads, podIDMap(), files, opts.Warn)
	if err != nil {
		return nil, err
	}
	return &sandboxRuntime{sb: sb, onExit: onExit, created: map[string]*createdCtr{}, runs: map[string]*instance{}}, nil
}

// sandboxRuntime is podRuntime over the libcontainer sandbox.
type sandboxRuntime struct {
	sb     *sandbox
	onExit func()

	mu      sync.Mutex
	created map[string]*createdCtr // created, not started
	runs    map[string]*instance   // started
}

type createdCtr struct {
	spec *v1.Container
	pr   *prepared
}

func (r *sandboxRuntime) CreateContainer(c *v1.Container) (string, error) {
	pr := r.sb.takeAhead(c)
	if pr == nil {
		var err error
		if pr, err = r.sb.prepare(c, r.sb.starter); err != nil {
			return "", err
		}
	}
	id := pr.lc.ID()
	r.mu.Lock()
	r.created[id] = &createdCtr{spec: c, pr: pr}
	r.mu.Unlock()
	return id, nil
}

func (r *sandboxRuntime) StartContainer(id string) error {
	r.mu.Lock()
	cc := r.created[id]
	delete(r.created, id)
	r.mu.Unlock()
	if cc == nil {
		return fmt.Errorf("container %s is not created", id)
	}
	in, err := r.sb.start(cc.spec, cc.pr, r.onExit)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.runs[id] = in
	r.mu.Unlock()
	return nil
}

func (r *sandboxRuntime) run(id string) *instance {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.runs[id]
}

func (r *sandboxRuntime) StopContainer(id string, timeout time.Duration) error {
	in := r.run(id)
	if in == nil {
		return nil
	}
	in.signal(in.stopSignal)
	select {
	case <-in.done:
	case <-time.After(timeout):
		in.signal(unix.SIGKILL)
		<-in.done
	}
	// What was exec'd in it (a preStop hook still running) goes with it,
	// as with a runtime's cgroup, also in a shared process namespace.
	r.sb.killExecs(in.c.ID())
	return nil
}

func (r *sandboxRuntime) RemoveContainer(id string) {
	r.mu.Lock()
	in, cc := r.runs[id], r.created[id]
	delete(r.runs, id)
	delete(r.created, id)
	r.mu.Unlock()
	switch {
	case in != nil:
		in.destroy()
	case cc != nil:
		_ = cc.pr.proc.Signal(unix.SIGKILL)
		_, _ = cc.pr.proc.Wait()
		cc.pr.discard()
	}
}

func (r *sandboxRuntime) ContainerStatus(id string) containerStatus {
	in := r.run(id)
	if in == nil || !in.exited() {
		return containerStatus{}
	}
	return containerStatus{Exited: true, ExitCode: in.exit, Reason: in.reason, FinishedAt: in.at, Message: in.message}
}

func (r *sandboxRuntime) ExecSync(id string, cmd []string, timeout time.Duration) (int, string, error) {
	in := r.run(id)
	if in == nil {
		return -1, "", fmt.Errorf("container %s is not running", id)
	}
	return r.sb.execIn(in.c, cmd, in.env, timeout)
}

func (r *sandboxRuntime) HTTPGet(url string, timeout time.Duration) (bool, string, error) {
	res := r.sb.httpGet(url, timeout)
	if err := res.hookVerdict(); err != nil {
		return false, res.Err, err // a transport error
	}
	ok, msg := res.probeVerdict()
	return ok, msg, nil
}

func (r *sandboxRuntime) TCPListening(port int) bool { return r.sb.tcpListening(port) }

func (r *sandboxRuntime) GRPCHealth(port int, service string, timeout time.Duration) (bool, string) {
	return r.sb.grpcHealth(port, service, timeout)
}

func (r *sandboxRuntime) ContainerLogs(name string) string {
	b, err := os.ReadFile(r.sb.logPath(name))
	if err != nil {
		return ""
	}
	return string(b)
}

func (r *sandboxRuntime) RemovePodSandbox() {
	r.mu.Lock()
	created := r.created
	r.created = map[string]*createdCtr{}
	r.mu.Unlock()
	for _, cc := range created {
		_ = cc.pr.proc.Signal(unix.SIGKILL)
		_, _ = cc.pr.proc.Wait()
		cc.pr.discard()
	}
	r.sb.teardown()
}
