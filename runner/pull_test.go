package runner

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

// TestPullPolicyDefault checks the API server's imagePullPolicy defaulting.
func TestPullPolicyDefault(t *testing.T) {
	for _, tc := range []struct {
		image  string
		policy v1.PullPolicy
		want   v1.PullPolicy
	}{
		{image: "busybox", want: v1.PullAlways},
		{image: "busybox:latest", want: v1.PullAlways},
		{image: "busybox:1.36", want: v1.PullIfNotPresent},
		{image: "localhost:5000/app", want: v1.PullAlways},
		{image: "localhost:5000/app:v2", want: v1.PullIfNotPresent},
		{image: "busybox@sha256:" + sha, want: v1.PullIfNotPresent},
		{image: "busybox:latest@sha256:" + sha, want: v1.PullAlways},
		{image: "busybox", policy: v1.PullNever, want: v1.PullNever},
	} {
		c := &v1.Container{Image: tc.image, ImagePullPolicy: tc.policy}
		if got := pullPolicy(c); got != tc.want {
			t.Errorf("%s (%q): %s, want %s", tc.image, tc.policy, got, tc.want)
		}
	}
}

const sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// TestCapTerminationMessages checks the kubelet's 12 KiB per-Pod split:
// 12288/N bytes per container, prefixes kept, last states too.
func TestCapTerminationMessages(t *testing.T) {
	long := func(n int) v1.ContainerState {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + i%26)
		}
		return v1.ContainerState{Terminated: &v1.ContainerStateTerminated{Message: string(b)}}
	}
	spec := &v1.PodSpec{InitContainers: make([]v1.Container, 2), Containers: make([]v1.Container, 4)}
	orig := long(4096)
	st := &v1.PodStatus{
		InitContainerStatuses: []v1.ContainerStatus{{State: orig}, {State: long(100)}},
		ContainerStatuses:     []v1.ContainerStatus{{State: long(3000), LastTerminationState: long(2049)}},
	}
	capTerminationMessages(spec, st)
	for _, tc := range []struct {
		name string
		got  v1.ContainerState
		want int
	}{
		{name: "init 0", got: st.InitContainerStatuses[0].State, want: 2048},
		{name: "init 1", got: st.InitContainerStatuses[1].State, want: 100},
		{name: "app state", got: st.ContainerStatuses[0].State, want: 2048},
		{name: "app last", got: st.ContainerStatuses[0].LastTerminationState, want: 2048},
	} {
		if n := len(tc.got.Terminated.Message); n != tc.want {
			t.Errorf("%s: %d bytes, want %d", tc.name, n, tc.want)
		}
	}
	if st.InitContainerStatuses[0].State.Terminated.Message != orig.Terminated.Message[:2048] {
		t.Errorf("the first bytes must be kept")
	}
	if len(orig.Terminated.Message) != 4096 {
		t.Errorf("the worker's own state was cut")
	}
}
