package rules

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/podlint/podlint/lint"
)

var unboundedRevisionHistory = &lint.Rule{
	ID:       "unbounded-revision-history",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "A StatefulSet with a negative revisionHistoryLimit keeps every revision",
	Doc: "A StatefulSet keeps one ControllerRevision per template change, up to revisionHistoryLimit (10 by default), for rollbacks. " +
		"Unlike a Deployment's, a StatefulSet's limit may be negative, which the API server accepts with a warning: the controller then " +
		"never deletes old revisions, and they accumulate in etcd with every rollout.",
	Remediation: "Set revisionHistoryLimit to 0 or more, or leave it out for the default of 10.",
	Fields:      []string{"spec.revisionHistoryLimit"},
	Check: func(p *lint.Pass) {
		sts, ok := p.Object.Typed.(*appsv1.StatefulSet)
		if !ok || sts.Spec.RevisionHistoryLimit == nil || *sts.Spec.RevisionHistoryLimit >= 0 {
			return
		}
		v := *sts.Spec.RevisionHistoryLimit
		p.Report(p.Object.Path("spec", "revisionHistoryLimit"), "", v,
			fmt.Sprintf("revisionHistoryLimit %d keeps every ControllerRevision of the StatefulSet forever", v), "")
	},
}
