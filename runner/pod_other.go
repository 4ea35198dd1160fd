//go:build !linux || !cgo

package runner

import (
	"context"
	"time"

	v1 "k8s.io/api/core/v1"
)

// Pod is a Pod running in the sandbox; without Linux and cgo there is none.
type Pod struct{}

// Start reports that this build cannot run Pods.
func Start(*v1.Pod, Options) (*Pod, error) { return nil, ErrUnsupported }

// Status is never called on this build.
func (*Pod) Status() v1.PodStatus { return v1.PodStatus{} }

// History is never called on this build.
func (*Pod) History() []Snapshot { return nil }

// Events is never called on this build.
func (*Pod) Events() []Event { return nil }

// DeletionRequestedAt is never called on this build.
func (*Pod) DeletionRequestedAt() *time.Time { return nil }

// Logs is never called on this build.
func (*Pod) Logs() map[string]string { return nil }

// WaitFor is never called on this build.
func (*Pod) WaitFor(context.Context, func(v1.PodStatus) bool) error { return ErrUnsupported }

// Delete is never called on this build.
func (*Pod) Delete() {}

// Done is never called on this build.
func (*Pod) Done() <-chan struct{} { c := make(chan struct{}); close(c); return c }

// MountError is never called on this build.
func (*Pod) MountError() error { return nil }
