package rules

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

// maxIndexedParallelism is the API server's cap on parallelism for Indexed Jobs.
const maxIndexedParallelism = 100000

var jobSpec = &lint.Rule{
	ID:       "job-spec",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Job counts must be non-negative and the selector left to the API server",
	Doc: "A Job's parallelism, completions, activeDeadlineSeconds, backoffLimit, backoffLimitPerIndex, maxFailedIndexes and " +
		"ttlSecondsAfterFinished may not be negative. completionMode is NonIndexed (the default) or Indexed; an Indexed Job needs completions " +
		"(each index is one completion) and at most 100000 parallel Pods, and backoffLimitPerIndex and maxFailedIndexes need Indexed mode. The " +
		"API server generates a Job's selector and template labels from the Job's UID, so a selector is rejected unless manualSelector is true " +
		"(then it must match the template's labels); in a CronJob's jobTemplate the selector is always generated and manualSelector may not be true.",
	Remediation: "Use non-negative counts, set completions for Indexed Jobs and leave spec.selector out.",
	Fields:      []string{"spec.parallelism", "spec.completions", "spec.backoffLimit", "spec.completionMode", "spec.selector"},
	Check: func(p *lint.Pass) {
		switch t := p.Object.Typed.(type) {
		case *batchv1.Job:
			sp := p.Object.Path("spec")
			checkJobSpec(p, &t.Spec, sp)
			// The API server labels the Pod template with job-name: <name>, so a
			// name that is not a label value makes the template's labels invalid.
			if name := t.Name; name != "" && (t.Spec.ManualSelector == nil || !*t.Spec.ManualSelector) && len(validation.IsValidLabelValue(name)) > 0 {
				p.Report(sp.Child("template", "labels"), field.ErrorTypeInvalid, name,
					fmt.Sprintf("the API server adds the label job-name=%s to the Pod template, and %q is not a valid label value", name, name), "Use a Job name of at most 63 characters.")
			}
			if t.Spec.ManualSelector != nil && *t.Spec.ManualSelector {
				if t.Spec.Selector == nil {
					p.Report(sp.Child("selector"), field.ErrorTypeRequired, nil, "manualSelector: true needs a selector", "Set spec.selector, or remove manualSelector.")
					return
				}
				checkLabelSelector(p, t.Spec.Selector, sp.Child("selector"))
				if s, err := metav1.LabelSelectorAsSelector(t.Spec.Selector); err == nil && !s.Matches(labels.Set(t.Spec.Template.Labels)) {
					p.Report(sp.Child("template", "metadata", "labels"), field.ErrorTypeInvalid, t.Spec.Template.Labels,
						"selector does not match template labels: the Job would never see its Pods", "Make the template's labels satisfy spec.selector.")
				}
			} else if t.Spec.Selector != nil {
				checkLabelSelector(p, t.Spec.Selector, sp.Child("selector"))
				p.Report(sp.Child("selector"), field.ErrorTypeInvalid, t.Spec.Selector,
					"selector not auto-generated: the API server generates a Job's selector from its UID, and rejects one given without manualSelector: true",
					"Remove spec.selector.")
			}
		case *batchv1.CronJob:
			jp := p.Object.Path("spec", "jobTemplate", "spec")
			js := &t.Spec.JobTemplate.Spec
			checkJobSpec(p, js, jp)
			if js.Selector != nil {
				p.Report(jp.Child("selector"), field.ErrorTypeInvalid, js.Selector,
					"selector will be auto-generated: each Job the CronJob creates gets a selector from its own UID", "Remove the selector from jobTemplate.")
			}
			if js.ManualSelector != nil && *js.ManualSelector {
				p.Report(jp.Child("manualSelector"), field.ErrorTypeNotSupported, true, "manualSelector may not be true in a CronJob's jobTemplate", "Remove manualSelector.")
			}
		}
	},
}

func checkJobSpec(p *lint.Pass, s *batchv1.JobSpec, sp *field.Path) {
	nonNegative(p, sp.Child("parallelism"), s.Parallelism)
	nonNegative(p, sp.Child("completions"), s.Completions)
	nonNegative(p, sp.Child("activeDeadlineSeconds"), s.ActiveDeadlineSeconds)
	nonNegative(p, sp.Child("backoffLimit"), s.BackoffLimit)
	nonNegative(p, sp.Child("ttlSecondsAfterFinished"), s.TTLSecondsAfterFinished)
	nonNegative(p, sp.Child("backoffLimitPerIndex"), s.BackoffLimitPerIndex)
	nonNegative(p, sp.Child("maxFailedIndexes"), s.MaxFailedIndexes)
	if s.MaxFailedIndexes != nil && s.BackoffLimitPerIndex == nil {
		p.Report(sp.Child("backoffLimitPerIndex"), field.ErrorTypeRequired, nil, "backoffLimitPerIndex is required when maxFailedIndexes is specified", "")
	}
	indexed := false
	if m := s.CompletionMode; m != nil {
		switch *m {
		case batchv1.NonIndexedCompletion:
		case batchv1.IndexedCompletion:
			indexed = true
			// completions defaults to 1 only when parallelism is unset as well.
			if s.Completions == nil && s.Parallelism != nil {
				p.Report(sp.Child("completions"), field.ErrorTypeRequired, nil, "an Indexed Job needs completions: it runs one Pod per index from 0 to completions-1", "Set completions.")
			}
			if s.Parallelism != nil && *s.Parallelism > maxIndexedParallelism {
				p.Report(sp.Child("parallelism"), field.ErrorTypeInvalid, *s.Parallelism, fmt.Sprintf("parallelism must be at most %d when completion mode is Indexed", maxIndexedParallelism), "")
			}
			if s.Completions != nil && s.MaxFailedIndexes != nil && *s.MaxFailedIndexes > *s.Completions {
				p.Report(sp.Child("maxFailedIndexes"), field.ErrorTypeInvalid, *s.MaxFailedIndexes, "maxFailedIndexes must be less than or equal to completions", "")
			}
		default:
			notSupported(p, sp.Child("completionMode"), string(*m), "completionMode", []string{"NonIndexed", "Indexed"})
		}
	}
	if !indexed {
		if s.BackoffLimitPerIndex != nil {
			p.Report(sp.Child("backoffLimitPerIndex"), field.ErrorTypeInvalid, *s.BackoffLimitPerIndex, "backoffLimitPerIndex requires completionMode: Indexed", "")
		}
		if s.MaxFailedIndexes != nil {
			p.Report(sp.Child("maxFailedIndexes"), field.ErrorTypeInvalid, *s.MaxFailedIndexes, "maxFailedIndexes requires completionMode: Indexed", "")
		}
	}
}
