package runner

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

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
