package rules

import (
	"fmt"
	"math"
	"strings"

	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podlint/podlint/lint"
)

var pdbBlocksEviction = &lint.Rule{
	ID:       "pdb-blocks-eviction",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "A PodDisruptionBudget should allow at least one eviction",
	Doc: "The eviction API lets a Pod go only while the budget's allowed disruptions are above zero: the healthy Pods it matches minus " +
		"those it must keep (minAvailable, a percentage rounded up, or the expected count minus maxUnavailable). A minAvailable at or " +
		"above the matched workloads' replicas, or maxUnavailable 0 (or 0%), leaves none even when every Pod is healthy, so a node drain " +
		"or a cluster upgrade waits on those Pods forever. Judged against the replicas of the workloads in the inputs the selector matches, " +
		"when all of them have a fixed count (not DaemonSets or controller-managed templates).",
	Remediation: "Lower minAvailable below the replicas (or raise the replicas), or allow maxUnavailable of at least 1.",
	Fields:      []string{"PodDisruptionBudget spec.minAvailable", "PodDisruptionBudget spec.maxUnavailable"},
	CheckSet: func(p *lint.SetPass) {
		for _, o := range p.Objects {
			pdb, ok := o.Typed.(*policyv1.PodDisruptionBudget)
			if !ok || pdb.Spec.Selector == nil {
				continue
			}
			sel := labelSelector(pdb.Spec.Selector)
			if sel == nil {
				continue
			}
			matched := selecting(workloadsIn(p, o.Namespace()), sel)
			if len(matched) == 0 {
				continue
			}
			total := int32(0)
			fixed := true
			for _, w := range matched {
				n := podCount(w)
				if n < 0 {
					fixed = false
				}
				total += n
			}
			names := strings.Join(distinct(matched), ", ")
			if mu := pdb.Spec.MaxUnavailable; mu != nil {
				if v, err := intstr.GetScaledValueFromIntOrPercent(mu, 100, true); err == nil && v == 0 {
					p.Report(o, o.Path("spec", "maxUnavailable"), mu.String(),
						fmt.Sprintf("maxUnavailable %s allows no disruption of the Pods of %s: no eviction can proceed and node drains wait forever", mu, names), "")
				}
				continue
			}
			ma := pdb.Spec.MinAvailable
			if ma == nil || !fixed || total == 0 {
				continue
			}
			need := ma.IntVal
			if ma.Type == intstr.String {
				pct, err := intstr.GetScaledValueFromIntOrPercent(ma, 100, true)
				if err != nil {
					continue
				}
				need = int32(math.Ceil(float64(pct) * float64(total) / 100))
			}
			if need >= total {
				p.Report(o, o.Path("spec", "minAvailable"), ma.String(),
					fmt.Sprintf("minAvailable %s keeps %d of the %d Pods of %s: none may ever be evicted, so node drains wait forever", ma, need, total, names), "")
			}
		}
	},
}
