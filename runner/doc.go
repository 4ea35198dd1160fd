// Package runner executes a Pod in a local rootless sandbox and reports its
// lifecycle as the kubelet would: an infra ("pause") process holding the Pod's
// user, network, IPC and UTS (and optionally PID) namespaces, containers that
// join them with their own mount namespace and a fresh root filesystem (an
// overlay of the image mounted inside the Pod's user namespace), running as
// the ids the Pod and image ask for (a subordinate id range), and a
// pod worker that reproduces the kubelet's ordering, restarts, back-off,
// probes, hooks, phases and conditions.
//
// The kubelet logic (pod.go, backoff.go, prober.go, lifecycle.go, kill.go,
// podstatus.go, pull.go) is portable and runs on a clock (work.go) over a
// CRI-shaped runtime interface (podRuntime, runtime.go), so that it is tested
// in virtual time against a fake runtime (fakeruntime_test.go). The sandbox
// behind that interface needs Linux and cgo (runc's libcontainer and its
// nsenter constructor); on other builds Start returns ErrUnsupported.
package runner
