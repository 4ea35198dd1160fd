package rules

import (
	"github.com/podlint/podlint/lint"
)

var barePod = &lint.Rule{
	ID:       "bare-pod",
	Category: lint.CategoryPractice,
	Severity: lint.SeverityInfo,
	Title:    "A Pod without a controller is never recreated",
	Doc: "Nothing watches a bare Pod, one with no controller owner reference: when its containers stop for good, when it is evicted " +
		"or deleted, or when its node fails, the Pod is gone and nothing creates a replacement (restartPolicy only restarts containers " +
		"inside a Pod that still exists on a working node). A controller gives self-healing, scaling and rolling updates: a Deployment " +
		"for stateless services, a StatefulSet for stable identity and storage, a DaemonSet for one Pod per node, a Job or CronJob for run-to-completion work. " +
		"Default severity: info. Bare Pods are legitimate for debugging, one-off tasks and tests; " +
		"a warning on every such Pod would be noise that users switch off, so podlint only notes it.",
	Remediation: "Run the Pod through a controller: put its spec in the template of a Deployment, StatefulSet, DaemonSet or Job.",
	Fields:      []string{"metadata.ownerReferences"},
	Check: func(p *lint.Pass) {
		if !p.Object.IsPod() {
			return
		}
		for _, ref := range p.Object.Meta.OwnerReferences {
			if ref.Controller != nil && *ref.Controller {
				return
			}
		}
		p.Report(p.Object.Path("metadata", "ownerReferences"), "", nil,
			"this Pod has no controller (no ownerReference with controller: true): if it fails, is evicted or its node goes down, nothing recreates it", "")
	},
}
