//go:build !linux || !cgo

package runner

import v1 "k8s.io/api/core/v1"

// Without Linux and cgo there is no sandbox: Start reports ErrUnsupported.
// The kubelet logic builds and is tested here all the same, on a fake runtime.
var (
	defaultRunSandbox runSandbox
	preflight         func(*v1.Pod, *Options) error
)
