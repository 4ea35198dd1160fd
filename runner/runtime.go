package runner

import (
	"time"

	v1 "k8s.io/api/core/v1"
)

// podRuntime is the seam between the kubelet logic (the pod worker, probe
// workers, hooks, back-off, termination and status, all portable) and what
// runs containers, shaped after the CRI the kubelet itself talks to. One
// podRuntime is one Pod's sandbox: RunPodSandbox is the function that makes
// it (runSandbox), RemovePodSandbox ends it. The libcontainer sandbox
// (sandbox_linux.go) implements it on Linux with cgo; fakeRuntime
// (fakeruntime_test.go) implements it for tests on a fake clock.
//
// Calls may block (a stop waits for the exit, an exec for its command) and
// come from several goroutines. Container ids are the runtime's own.
type podRuntime interface {
	// CreateContainer creates c in the sandbox: its root filesystem, mounts,
	// environment and user, with the process not yet running (CRI
	// CreateContainer). Errors wrapping *ConfigError are the kubelet's
	// CreateContainerConfigError, others CreateContainerError.
	CreateContainer(c *v1.Container) (string, error)
	// StartContainer runs a created container's process; the runtime calls
	// the sandbox's exit callback once it has exited.
	StartContainer(id string) error
	// StopContainer sends the container's stop signal and, if it has not
	// exited after timeout, SIGKILL; it returns once the container has
	// exited (CRI StopContainer).
	StopContainer(id string, timeout time.Duration) error
	// RemoveContainer removes an exited container's state and root
	// filesystem (in the background: it may take a while).
	RemoveContainer(id string)
	// ContainerStatus reports a started container's state.
	ContainerStatus(id string) containerStatus
	// ExecSync runs cmd in the container, as the container's user with its
	// environment, killing it after timeout (CRI ExecSync); for exec probes
	// and hooks. err is set when the command could not run or timed out.
	ExecSync(id string, cmd []string, timeout time.Duration) (exitCode int, output string, err error)
	// HTTPGet performs an HTTP GET of url from inside the Pod's network
	// namespace: ok is a status from 200 to 399, err a transport error.
	HTTPGet(url string, timeout time.Duration) (ok bool, output string, err error)
	// TCPListening reports whether something listens on port in the Pod's
	// network namespace.
	TCPListening(port int) bool
	// GRPCHealth runs a gRPC health check on port from inside the Pod's
	// network namespace.
	GRPCHealth(port int, service string, timeout time.Duration) (ok bool, msg string)
	// ContainerLogs returns everything the runs of the container named name
	// wrote to stdout and stderr, oldest first.
	ContainerLogs(name string) string
	// RemovePodSandbox stops whatever still runs in the sandbox and removes
	// it and every container in it.
	RemovePodSandbox()
}

// containerStatus is a container's state as the runtime reports it.
type containerStatus struct {
	// Exited is set once the process has exited; the rest is valid then.
	Exited     bool
	ExitCode   int    // 128+signal when killed by a signal
	Reason     string // "Completed" or "Error"
	FinishedAt time.Time
	// Message is the termination message (kuberuntime's
	// getTerminationMessage, terminationMessage here).
	Message string
}

// runSandbox is RunPodSandbox: it creates the Pod's sandbox (its namespaces,
// volumes holding payloads, and files: the hostname and DNS configuration a
// CRI PodSandboxConfig carries, with the kubelet's /etc/hosts) and returns
// the runtime for it; onExit is called whenever a container's process exits.
// defaultRuntime is the build's (nil without Linux and cgo).
type runSandbox func(pod *v1.Pod, opts *Options, payloads map[string][]volumeFile, files sandboxFiles, onExit func()) (podRuntime, error)
