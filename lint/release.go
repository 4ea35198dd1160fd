package lint

import (
	"fmt"
	"strings"
)

// Gate names a Kubernetes feature gate whose default changes a rule's verdict.
type Gate string

// Feature gates podlint's rules depend on.
const (
	// GateSidecarContainers: restartPolicy Always on an init container makes a sidecar.
	GateSidecarContainers Gate = "SidecarContainers"
	// GatePodLifecycleSleepAction: the sleep action in lifecycle hooks.
	GatePodLifecycleSleepAction Gate = "PodLifecycleSleepAction"
	// GatePodLifecycleSleepActionAllowZero: sleep.seconds may be 0.
	GatePodLifecycleSleepActionAllowZero Gate = "PodLifecycleSleepActionAllowZero"
	// GateContainerRestartRules: container-level restartPolicy Never/OnFailure on init
	// containers, restartPolicy and restartPolicyRules on app containers.
	GateContainerRestartRules Gate = "ContainerRestartRules"
	// GateRestartAllContainersOnContainerExits: the RestartAllContainers action in
	// restartPolicyRules, and restartPolicyRules on sidecar init containers.
	GateRestartAllContainersOnContainerExits Gate = "RestartAllContainersOnContainerExits"
	// GateContainerStopSignals: lifecycle.stopSignal.
	GateContainerStopSignals Gate = "ContainerStopSignals"
	// GateReduceDefaultCrashLoopBackOffDecay: the shorter crash-loop back-off.
	GateReduceDefaultCrashLoopBackOffDecay Gate = "ReduceDefaultCrashLoopBackOffDecay"
	// GateMutablePodResourcesForSuspendedJobs: a suspended Job's template may change its containers' resources.
	GateMutablePodResourcesForSuspendedJobs Gate = "MutablePodResourcesForSuspendedJobs"
	// GatePodLevelResourcesFixDefaulting: a Pod update that leaves out spec.resources keeps the old ones.
	GatePodLevelResourcesFixDefaulting Gate = "PodLevelResourcesFixDefaulting"
	// GatePodLevelResources: spec.resources, requests and limits for the whole Pod (beta, on, since 1.34).
	GatePodLevelResources Gate = "PodLevelResources"
	// GateGitRepoVolumeDriver: the kubelet mounts gitRepo volumes (off since 1.33, locked off since 1.36).
	GateGitRepoVolumeDriver Gate = "GitRepoVolumeDriver"
)

// Release is one Kubernetes minor release and the default state of the gates that matter.
type Release struct {
	Version string
	gates   map[Gate]bool
}

// Enabled reports whether the gate is on by default in the release.
func (r Release) Enabled(g Gate) bool { return r.gates[g] }

// Gates returns the release's gate table (a copy).
func (r Release) Gates() map[Gate]bool {
	out := make(map[Gate]bool, len(r.gates))
	for k, v := range r.gates {
		out[k] = v
	}
	return out
}

// The one table of gate defaults per release (kube_features.go of each release).
// ContainerRestartRules went beta (on) in 1.35; RestartAllContainersOnContainerExits
// was alpha (off) in 1.35 and beta (on) from 1.36, as was MutablePodResourcesForSuspendedJobs;
// PodLevelResourcesFixDefaulting is new and beta (on) in 1.37; ContainerStopSignals is still alpha (off).
var releases = []Release{
	{Version: "1.35", gates: map[Gate]bool{
		GateSidecarContainers:                    true,
		GatePodLifecycleSleepAction:              true,
		GatePodLifecycleSleepActionAllowZero:     true,
		GateContainerRestartRules:                true,
		GateRestartAllContainersOnContainerExits: false,
		GateContainerStopSignals:                 false,
		GateReduceDefaultCrashLoopBackOffDecay:   false,
		GateMutablePodResourcesForSuspendedJobs:  false,
		GatePodLevelResourcesFixDefaulting:       false,
		GateGitRepoVolumeDriver:                  false,
		GatePodLevelResources:                    true,
	}},
	{Version: "1.36", gates: map[Gate]bool{
		GateSidecarContainers:                    true,
		GatePodLifecycleSleepAction:              true,
		GatePodLifecycleSleepActionAllowZero:     true,
		GateContainerRestartRules:                true,
		GateRestartAllContainersOnContainerExits: true,
		GateContainerStopSignals:                 false,
		GateReduceDefaultCrashLoopBackOffDecay:   false,
		GateMutablePodResourcesForSuspendedJobs:  true,
		GatePodLevelResourcesFixDefaulting:       false,
		GateGitRepoVolumeDriver:                  false,
		GatePodLevelResources:                    true,
	}},
	{Version: "1.37", gates: map[Gate]bool{
		GateSidecarContainers:                    true,
		GatePodLifecycleSleepAction:              true,
		GatePodLifecycleSleepActionAllowZero:     true,
		GateContainerRestartRules:                true,
		GateRestartAllContainersOnContainerExits: true,
		GateContainerStopSignals:                 false,
		GateReduceDefaultCrashLoopBackOffDecay:   false,
		GateMutablePodResourcesForSuspendedJobs:  true,
		GatePodLevelResourcesFixDefaulting:       true,
		GateGitRepoVolumeDriver:                  false,
		GatePodLevelResources:                    true,
	}},
}

// DefaultKubernetesVersion is the release podlint targets unless told otherwise.
const DefaultKubernetesVersion = "1.37"

// Releases lists the supported releases, oldest first.
func Releases() []Release { return append([]Release(nil), releases...) }

// ParseRelease finds a supported release by "1.37", "v1.37" or "1.37.2".
func ParseRelease(s string) (Release, error) {
	v := strings.TrimPrefix(strings.TrimSpace(s), "v")
	if parts := strings.Split(v, "."); len(parts) == 3 {
		v = parts[0] + "." + parts[1]
	}
	var known []string
	for _, r := range releases {
		if r.Version == v {
			return r, nil
		}
		known = append(known, r.Version)
	}
	return Release{}, fmt.Errorf("unsupported Kubernetes version %q (supported: %s)", s, strings.Join(known, ", "))
}
