package parity

import (
	"regexp"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/kubernetes/pkg/apis/apps"
	"k8s.io/kubernetes/pkg/apis/batch"
	api "k8s.io/kubernetes/pkg/apis/core"
)

// warningPathRe matches the field path a registry warning starts with
// ("spec.template.spec.volumes[0].rbd: deprecated in v1.28, ...").
var warningPathRe = regexp.MustCompile(`^([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+|\[[^\]]*\])*): `)

// claimTemplateRe matches the path the StatefulSet strategy gives a claim
// template's resources.
var claimTemplateRe = regexp.MustCompile(`^(spec\.volumeClaimTemplates\[\d+\])\.resources`)

// volumeWarningRe matches the warnings about a volume that name it instead of
// its path (overlapping paths, a projected source with nothing in it).
var volumeWarningRe = regexp.MustCompile(`^volume "([^"]*)"`)

// warningsOf pairs each warning text with the field it is about. Warnings that
// name a volume get the path of that volume in obj's pod spec.
func warningsOf(obj runtime.Object, texts []string) []Warning {
	var out []Warning
	for _, t := range texts {
		w := Warning{Text: t}
		if m := warningPathRe.FindStringSubmatch(t); m != nil {
			// A StatefulSet's claim template warnings leave out the claim's spec
			// (spec.volumeClaimTemplates[0].resources...); name the field as written.
			w.Path = claimTemplateRe.ReplaceAllString(m[1], "${1}.spec.resources")
		} else if m := volumeWarningRe.FindStringSubmatch(t); m != nil {
			if path, spec := internalPodSpec(obj); spec != nil {
				for i, v := range spec.Volumes {
					if v.Name == m[1] {
						w.Path = path.Child("volumes").Index(i).String()
						break
					}
				}
			}
		}
		out = append(out, w)
	}
	return out
}

// internalPodSpec returns the pod spec of a checked kind (internal version) and its path.
func internalPodSpec(obj runtime.Object) (*field.Path, *api.PodSpec) {
	tmpl := field.NewPath("spec", "template", "spec")
	switch o := obj.(type) {
	case *api.Pod:
		return field.NewPath("spec"), &o.Spec
	case *api.ReplicationController:
		if o.Spec.Template != nil {
			return tmpl, &o.Spec.Template.Spec
		}
	case *apps.Deployment:
		return tmpl, &o.Spec.Template.Spec
	case *apps.ReplicaSet:
		return tmpl, &o.Spec.Template.Spec
	case *apps.StatefulSet:
		return tmpl, &o.Spec.Template.Spec
	case *apps.DaemonSet:
		return tmpl, &o.Spec.Template.Spec
	case *batch.Job:
		return tmpl, &o.Spec.Template.Spec
	case *batch.CronJob:
		return field.NewPath("spec", "jobTemplate", "spec", "template", "spec"), &o.Spec.JobTemplate.Spec.Template.Spec
	}
	return nil, nil
}
