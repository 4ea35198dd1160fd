package rules

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

// deprecatedNodeLabels are the node labels the API server warns about in
// selectors, affinity and topology spread (pkg/api/node/util.go), with what to use instead.
var deprecatedNodeLabels = map[string]string{
	"beta.kubernetes.io/arch":                       `deprecated since 1.14; use "kubernetes.io/arch"`,
	"beta.kubernetes.io/os":                         `deprecated since 1.14; use "kubernetes.io/os"`,
	"failure-domain.beta.kubernetes.io/region":      `deprecated since 1.17; use "topology.kubernetes.io/region"`,
	"failure-domain.beta.kubernetes.io/zone":        `deprecated since 1.17; use "topology.kubernetes.io/zone"`,
	"beta.kubernetes.io/instance-type":              `deprecated since 1.17; use "node.kubernetes.io/instance-type"`,
	"app.kubernetes.io/created-by":                  `deprecated since 1.9`,
	"scheduler.alpha.kubernetes.io/preferAvoidPods": `deprecated since 1.22; use taints and tolerations`,
	"node-role.kubernetes.io/master":                `replaced by "node-role.kubernetes.io/control-plane", which kubeadm sets instead since 1.24`,
}

var deprecatedNodeLabel = &lint.Rule{
	ID:       "deprecated-node-label",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "Node selection uses a deprecated node label",
	Doc: "The API server warns when a nodeSelector, a node affinity term or a topology spread constraint uses a node label that was " +
		"replaced: beta.kubernetes.io/arch and /os (by kubernetes.io/arch and /os), failure-domain.beta.kubernetes.io/region and /zone " +
		"(by topology.kubernetes.io/...), beta.kubernetes.io/instance-type, node-role.kubernetes.io/master (by .../control-plane), and " +
		"a few others. Nodes of current clusters may not carry the old label at all, and then a required selector matches no node and the " +
		"Pod stays Pending. A preferred node affinity term whose value is not a valid label value can never match and is warned about too.",
	Remediation: "Use the label that replaced it.",
	Fields:      []string{"nodeSelector", "affinity.nodeAffinity", "topologySpreadConstraints[*].topologyKey"},
	Check: func(p *lint.Pass) {
		spec := p.Object.PodSpec
		sp := p.Object.PodSpecPath
		for _, k := range sortedMapKeys(spec.NodeSelector) {
			if msg, ok := deprecatedNodeLabels[k]; ok {
				p.Report(sp.Child("nodeSelector").Key(k), "", k, fmt.Sprintf("node label %s is %s", k, msg), "")
			}
		}
		if a := spec.Affinity; a != nil && a.NodeAffinity != nil {
			np := sp.Child("affinity", "nodeAffinity")
			if req := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution; req != nil {
				for i, t := range req.NodeSelectorTerms {
					nodeTermLabels(p, t, np.Child("requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms").Index(i), false)
				}
			}
			for i, t := range a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
				nodeTermLabels(p, t.Preference, np.Child("preferredDuringSchedulingIgnoredDuringExecution").Index(i).Child("preference"), true)
			}
		}
		for i, t := range spec.TopologySpreadConstraints {
			if msg, ok := deprecatedNodeLabels[t.TopologyKey]; ok {
				p.Report(sp.Child("topologySpreadConstraints").Index(i).Child("topologyKey"), "", t.TopologyKey,
					fmt.Sprintf("topology key %s is %s", t.TopologyKey, msg), "")
			}
		}
	},
}

// nodeTermLabels reports deprecated keys in a node selector term's expressions
// and, in preferred terms (whose values validation does not check), values that
// are not label values.
func nodeTermLabels(p *lint.Pass, t corev1.NodeSelectorTerm, tp *field.Path, values bool) {
	for i, e := range t.MatchExpressions {
		ep := tp.Child("matchExpressions").Index(i)
		if msg, ok := deprecatedNodeLabels[e.Key]; ok {
			p.Report(ep.Child("key"), "", e.Key, fmt.Sprintf("node label %s is %s", e.Key, msg), "")
		}
		if !values {
			continue
		}
		for j, v := range e.Values {
			if msgs := validation.IsValidLabelValue(v); len(msgs) > 0 {
				p.Report(ep.Child("values").Index(j), "", v,
					fmt.Sprintf("%q is not a valid label value (%s), so no node label can match it", v, msgs[0]), "")
			}
		}
	}
}
