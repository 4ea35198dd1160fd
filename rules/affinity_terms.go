package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var affinityTerms = &lint.Rule{
	ID:       "affinity-terms",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Affinity terms need valid operators, keys, values and weights",
	Doc: "Node affinity's required selector needs at least one term; each matchExpressions entry has a label key, an operator In or NotIn " +
		"(with values), Exists or DoesNotExist (without values) or Gt or Lt (with exactly one value), and values that are label values. " +
		"Preferred terms carry a weight from 1 to 100. Pod affinity and anti-affinity terms need a topologyKey (a label key such as " +
		"kubernetes.io/hostname, the domain within which Pods are co-located or spread) and a valid label selector; weighted terms again " +
		"carry a weight from 1 to 100.",
	Remediation: "Use a supported operator, a label key and a weight between 1 and 100.",
	Fields:      []string{"affinity.nodeAffinity", "affinity.podAffinity", "affinity.podAntiAffinity"},
	Check: func(p *lint.Pass) {
		a := p.Object.PodSpec.Affinity
		if a == nil {
			return
		}
		ap := p.Object.PodSpecPath.Child("affinity")
		if na := a.NodeAffinity; na != nil {
			np := ap.Child("nodeAffinity")
			if req := na.RequiredDuringSchedulingIgnoredDuringExecution; req != nil {
				tp := np.Child("requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
				if len(req.NodeSelectorTerms) == 0 {
					p.Report(tp, field.ErrorTypeRequired, nil, "required node affinity needs at least one node selector term", "Add a term, or remove requiredDuringSchedulingIgnoredDuringExecution.")
				}
				for i, t := range req.NodeSelectorTerms {
					checkNodeSelectorTerm(p, t, tp.Index(i), true)
				}
			}
			for i, t := range na.PreferredDuringSchedulingIgnoredDuringExecution {
				pp := np.Child("preferredDuringSchedulingIgnoredDuringExecution").Index(i)
				checkWeight(p, t.Weight, pp.Child("weight"))
				// Preferred terms do not check label values (they only rank nodes).
				checkNodeSelectorTerm(p, t.Preference, pp.Child("preference"), false)
			}
		}
		for _, pa := range []struct {
			name      string
			required  []corev1.PodAffinityTerm
			preferred []corev1.WeightedPodAffinityTerm
			set       bool
		}{
			{"podAffinity", podAffinityReq(a.PodAffinity), podAffinityPref(a.PodAffinity), a.PodAffinity != nil},
			{"podAntiAffinity", podAntiAffinityReq(a.PodAntiAffinity), podAntiAffinityPref(a.PodAntiAffinity), a.PodAntiAffinity != nil},
		} {
			if !pa.set {
				continue
			}
			pp := ap.Child(pa.name)
			for i, t := range pa.required {
				checkPodAffinityTerm(p, &t, pp.Child("requiredDuringSchedulingIgnoredDuringExecution").Index(i))
			}
			for i, t := range pa.preferred {
				wp := pp.Child("preferredDuringSchedulingIgnoredDuringExecution").Index(i)
				checkWeight(p, t.Weight, wp.Child("weight"))
				checkPodAffinityTerm(p, &t.PodAffinityTerm, wp.Child("podAffinityTerm"))
			}
		}
	},
}

func podAffinityReq(a *corev1.PodAffinity) []corev1.PodAffinityTerm {
	if a == nil {
		return nil
	}
	return a.RequiredDuringSchedulingIgnoredDuringExecution
}

func podAffinityPref(a *corev1.PodAffinity) []corev1.WeightedPodAffinityTerm {
	if a == nil {
		return nil
	}
	return a.PreferredDuringSchedulingIgnoredDuringExecution
}

func podAntiAffinityReq(a *corev1.PodAntiAffinity) []corev1.PodAffinityTerm {
	if a == nil {
		return nil
	}
	return a.RequiredDuringSchedulingIgnoredDuringExecution
}

func podAntiAffinityPref(a *corev1.PodAntiAffinity) []corev1.WeightedPodAffinityTerm {
	if a == nil {
		return nil
	}
	return a.PreferredDuringSchedulingIgnoredDuringExecution
}

func checkWeight(p *lint.Pass, w int32, path *field.Path) {
	if w <= 0 || w > 100 {
		p.Report(path, field.ErrorTypeInvalid, w, fmt.Sprintf("weight %d must be in the range 1-100", w), "Set a weight from 1 to 100.")
	}
}

func checkNodeSelectorTerm(p *lint.Pass, t corev1.NodeSelectorTerm, tp *field.Path, values bool) {
	for j, r := range t.MatchExpressions {
		ep := tp.Child("matchExpressions").Index(j)
		switch r.Operator {
		case corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn:
			if len(r.Values) == 0 {
				p.Report(ep.Child("values"), field.ErrorTypeRequired, nil, fmt.Sprintf("values must be specified when operator is %s", r.Operator), "")
			}
		case corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist:
			if len(r.Values) > 0 {
				p.Report(ep.Child("values"), field.ErrorTypeForbidden, nil, fmt.Sprintf("values may not be specified when operator is %s", r.Operator), "Remove values.")
			}
		case corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt:
			if len(r.Values) != 1 {
				p.Report(ep.Child("values"), field.ErrorTypeRequired, nil, fmt.Sprintf("exactly one value must be specified when operator is %s", r.Operator), "")
			}
		default:
			p.Report(ep.Child("operator"), field.ErrorTypeInvalid, string(r.Operator),
				fmt.Sprintf("%q is not a valid node selector operator (In, NotIn, Exists, DoesNotExist, Gt, Lt)", r.Operator), "")
		}
		if msgs := validation.IsQualifiedName(r.Key); len(msgs) > 0 {
			p.Report(ep.Child("key"), field.ErrorTypeInvalid, r.Key, fmt.Sprintf("key %q is not a valid label key: %s", r.Key, strings.Join(msgs, "; ")), "")
		}
		if !values {
			continue
		}
		for k, v := range r.Values {
			if msgs := validation.IsValidLabelValue(v); len(msgs) > 0 {
				p.Report(ep.Child("values").Index(k), field.ErrorTypeInvalid, v, fmt.Sprintf("value %q is not a valid label value: %s", v, strings.Join(msgs, "; ")), "")
			}
		}
	}
}

func checkPodAffinityTerm(p *lint.Pass, t *corev1.PodAffinityTerm, tp *field.Path) {
	if t.LabelSelector != nil {
		checkLabelSelector(p, t.LabelSelector, tp.Child("labelSelector"))
	}
	if t.NamespaceSelector != nil {
		checkLabelSelector(p, t.NamespaceSelector, tp.Child("namespaceSelector"))
	}
	for _, ns := range t.Namespaces {
		if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
			p.Report(tp.Child("namespace"), field.ErrorTypeInvalid, ns, fmt.Sprintf("namespace %q is not a valid namespace name: %s", ns, strings.Join(msgs, "; ")), "")
		}
	}
	if t.TopologyKey == "" {
		p.Report(tp.Child("topologyKey"), field.ErrorTypeRequired, nil, "topologyKey can not be empty: it names the node label that defines the co-location domain", "Set topologyKey, e.g. kubernetes.io/hostname.")
	}
	if msgs := validation.IsQualifiedName(t.TopologyKey); len(msgs) > 0 && t.TopologyKey != "" {
		p.Report(tp.Child("topologyKey"), field.ErrorTypeInvalid, t.TopologyKey, fmt.Sprintf("topologyKey %q is not a valid label key: %s", t.TopologyKey, strings.Join(msgs, "; ")), "")
	}
}
