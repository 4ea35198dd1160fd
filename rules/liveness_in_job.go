package rules

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlint/podlint/lint"
)

var livenessInJob = &lint.Rule{
	ID:       "liveness-in-job",
	Category: lint.CategoryPractice,
	Severity: lint.SeverityWarning,
	Title:    "Job containers should not have liveness probes",
	Doc: "A Job's containers are meant to run to completion and exit. A liveness probe on them can only hurt: a batch step that is busy " +
		"(a long computation, a slow upload, a GC pause) misses its probe, and the kubelet kills it. With restartPolicy OnFailure the container " +
		"restarts from the beginning and its progress is lost; with Never the Pod fails and the Job starts a new Pod, which also counts " +
		"against backoffLimit. Either way the work redoes itself or the Job fails. Bound a stuck Job with activeDeadlineSeconds instead. " +
		"Sidecars of a Job run for the Pod's whole life and may keep their probes. " +
		"Default severity: warning. A probe on a batch container has no benefit a deadline does not give, and its cost is lost work; " +
		"sidecars are exempt, which removes the case where the probe is wanted.",
	Remediation: "Remove the livenessProbe and bound the Job's run time with spec.activeDeadlineSeconds (or the Pod's activeDeadlineSeconds).",
	Fields:      []string{"containers[*].livenessProbe"},
	Check: func(p *lint.Pass) {
		kind := p.Object.Ref.Kind
		if kind != "Job" && kind != "CronJob" {
			return
		}
		restart := "Never"
		if p.Object.PodSpec.RestartPolicy == corev1.RestartPolicyOnFailure {
			restart = "OnFailure"
		}
		for _, c := range containers(p) {
			if c.Kind != appContainer || c.LivenessProbe == nil {
				continue
			}
			effect := "the Pod fails and the Job starts the work over in a new Pod, counting against backoffLimit"
			if restart == "OnFailure" {
				effect = "the container restarts from the beginning and its progress is lost"
			}
			p.Report(c.Path.Child("livenessProbe"), "", nil,
				fmt.Sprintf("a %s container is expected to exit; if it is busy and misses this livenessProbe the kubelet kills it, and with restartPolicy %s %s", kind, restart, effect),
				"")
		}
	},
}
