package runner

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

func running() v1.ContainerState { return v1.ContainerState{Running: &v1.ContainerStateRunning{}} }
func exited(code int32) v1.ContainerState {
	return v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: code}}
}
func waiting(reason string) v1.ContainerState {
	return v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: reason}}
}

// TestPhase checks the kubelet's getPhase cases without starting anything.
func TestPhase(t *testing.T) {
	always := v1.ContainerRestartPolicyAlways
	for _, tc := range []struct {
		name     string
		policy   v1.RestartPolicy
		sidecar  bool
		init     []v1.ContainerState
		apps     []v1.ContainerState
		terminal bool
		want     v1.PodPhase
	}{
		{name: "init running", policy: "Always", init: []v1.ContainerState{running()}, apps: []v1.ContainerState{waiting("PodInitializing")}, want: v1.PodPending},
		{name: "init failed never", policy: "Never", init: []v1.ContainerState{exited(1)}, apps: []v1.ContainerState{waiting("PodInitializing")}, want: v1.PodFailed},
		{name: "init failed onfailure", policy: "OnFailure", init: []v1.ContainerState{exited(1)}, apps: []v1.ContainerState{waiting("PodInitializing")}, want: v1.PodPending},
		{name: "app running", policy: "Always", init: []v1.ContainerState{exited(0)}, apps: []v1.ContainerState{running()}, want: v1.PodRunning},
		{name: "one app still waiting", policy: "Always", apps: []v1.ContainerState{running(), waiting("ContainerCreating")}, want: v1.PodPending},
		{name: "all exited 0 never", policy: "Never", apps: []v1.ContainerState{exited(0), exited(0)}, want: v1.PodSucceeded},
		{name: "one failed never", policy: "Never", apps: []v1.ContainerState{exited(0), exited(3)}, want: v1.PodFailed},
		{name: "failed onfailure restarts", policy: "OnFailure", apps: []v1.ContainerState{exited(3)}, want: v1.PodRunning},
		{name: "exited always restarts", policy: "Always", apps: []v1.ContainerState{exited(0)}, want: v1.PodRunning},
		{name: "deleted all zero", policy: "Always", apps: []v1.ContainerState{exited(0)}, terminal: true, want: v1.PodSucceeded},
		{name: "deleted killed", policy: "Always", apps: []v1.ContainerState{exited(137)}, terminal: true, want: v1.PodFailed},
		{name: "sidecar alone", policy: "Always", sidecar: true, init: []v1.ContainerState{running()}, apps: []v1.ContainerState{waiting("PodInitializing")}, want: v1.PodPending},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := &v1.PodSpec{RestartPolicy: tc.policy}
			st := &v1.PodStatus{}
			for i, s := range tc.init {
				c := v1.Container{Name: "i" + string(rune('0'+i))}
				if tc.sidecar {
					c.RestartPolicy = &always
				}
				spec.InitContainers = append(spec.InitContainers, c)
				st.InitContainerStatuses = append(st.InitContainerStatuses, v1.ContainerStatus{Name: c.Name, State: s})
			}
			for i, s := range tc.apps {
				c := v1.Container{Name: "a" + string(rune('0'+i))}
				spec.Containers = append(spec.Containers, c)
				st.ContainerStatuses = append(st.ContainerStatuses, v1.ContainerStatus{Name: c.Name, State: s})
			}
			if got := Phase(spec, st, tc.terminal); got != tc.want {
				t.Errorf("Phase = %s, want %s", got, tc.want)
			}
		})
	}
}
