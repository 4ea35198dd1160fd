package rules

import (
	"fmt"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
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
		"(then it must match the template's labels); in a CronJob's jobTemplate the selector is always generated and manualSelector may not be true. " +
		"A podFailurePolicy needs restartPolicy Never, and each rule an action (Count, FailJob, Ignore, or FailIndex with backoffLimitPerIndex) " +
		"and exactly one of onExitCodes (In or NotIn, ascending unique codes, no 0 with In) or onPodConditions; podReplacementPolicy is " +
		"Failed or TerminatingOrFailed (only Failed with a podFailurePolicy). A successPolicy needs Indexed mode and rules with succeededCount " +
		"or succeededIndexes (ascending indexes and ranges below completions).",
	Remediation: "Use non-negative counts, set completions for Indexed Jobs, leave spec.selector out and complete the policies' rules.",
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
			} else if t.Spec.Selector != nil && !(p.Object.Live && generatedSelector(t)) {
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
	if pfp := s.PodFailurePolicy; pfp != nil {
		checkPodFailurePolicy(p, s, sp.Child("podFailurePolicy"))
		if s.Template.Spec.RestartPolicy == corev1.RestartPolicyOnFailure {
			p.Report(sp.Child("template", "spec", "restartPolicy"), field.ErrorTypeInvalid, string(s.Template.Spec.RestartPolicy),
				"only restartPolicy Never is supported with a podFailurePolicy: the policy judges failed Pods, and OnFailure restarts containers in place instead", "Set restartPolicy: Never.")
		}
	}
	if rp := s.PodReplacementPolicy; rp != nil {
		switch {
		case s.PodFailurePolicy != nil && *rp != batchv1.Failed:
			p.Report(sp.Child("podReplacementPolicy"), field.ErrorTypeNotSupported, string(*rp), "with a podFailurePolicy, podReplacementPolicy must be Failed", "Set podReplacementPolicy: Failed.")
		case *rp != batchv1.Failed && *rp != batchv1.TerminatingOrFailed:
			notSupported(p, sp.Child("podReplacementPolicy"), string(*rp), "podReplacementPolicy", []string{"Failed", "TerminatingOrFailed"})
		}
	}
	if sc := s.SuccessPolicy; sc != nil {
		scp := sp.Child("successPolicy")
		switch {
		case !indexed:
			p.Report(scp, field.ErrorTypeInvalid, nil, "successPolicy requires completionMode: Indexed", "")
		case len(sc.Rules) == 0:
			p.Report(scp.Child("rules"), field.ErrorTypeRequired, nil, "a successPolicy needs at least one rule", "")
		}
		for i, r := range sc.Rules {
			if !indexed {
				break
			}
			rp := scp.Child("rules").Index(i)
			if r.SucceededCount == nil && r.SucceededIndexes == nil {
				p.Report(rp, field.ErrorTypeRequired, nil, "a success rule needs succeededCount or succeededIndexes", "")
			}
			var total int32
			if ix := r.SucceededIndexes; ix != nil && s.Completions != nil {
				if len(*ix) > 64*1024 {
					p.Report(rp.Child("succeededIndexes"), field.ErrorTypeTooLong, *ix, "succeededIndexes may not be longer than 64 KiB", "")
				}
				n, err := countIndexes(*ix, *s.Completions)
				if err != nil {
					p.Report(rp.Child("succeededIndexes"), field.ErrorTypeInvalid, *ix, fmt.Sprintf("succeededIndexes %q: %v", *ix, err), "Write ascending indexes and ranges below completions, e.g. \"0-3,7\".")
				}
				total = n
			}
			if c := r.SucceededCount; c != nil {
				nonNegativeInt(p, rp.Child("succeededCount"), int64(*c))
				if s.Completions != nil && *c > *s.Completions {
					p.Report(rp.Child("succeededCount"), field.ErrorTypeInvalid, *c, fmt.Sprintf("succeededCount must be at most completions (%d)", *s.Completions), "")
				}
				if r.SucceededIndexes != nil && *c > total {
					p.Report(rp.Child("succeededCount"), field.ErrorTypeInvalid, *c, fmt.Sprintf("succeededCount must be at most the %d indexes succeededIndexes names", total), "")
				}
			}
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

// checkPodFailurePolicy checks each rule: a supported action (FailIndex only with
// backoffLimitPerIndex) and exactly one of onExitCodes or onPodConditions, well formed.
func checkPodFailurePolicy(p *lint.Pass, s *batchv1.JobSpec, path *field.Path) {
	names := map[string]bool{}
	for _, c := range s.Template.Spec.Containers {
		names[c.Name] = true
	}
	for _, c := range s.Template.Spec.InitContainers {
		names[c.Name] = true
	}
	actions := []string{"Count", "FailIndex", "FailJob", "Ignore"}
	for i, r := range s.PodFailurePolicy.Rules {
		rp := path.Child("rules").Index(i)
		switch {
		case r.Action == "":
			p.Report(rp.Child("action"), field.ErrorTypeRequired, nil, "a pod failure rule needs an action: Count, FailIndex, FailJob or Ignore", "")
		case r.Action == batchv1.PodFailurePolicyActionFailIndex:
			if s.BackoffLimitPerIndex == nil {
				p.Report(rp.Child("action"), field.ErrorTypeInvalid, string(r.Action), "action FailIndex requires backoffLimitPerIndex to be set", "")
			}
		case !contains(actions, string(r.Action)):
			notSupported(p, rp.Child("action"), string(r.Action), "action", actions)
		}
		if ec := r.OnExitCodes; ec != nil {
			ep := rp.Child("onExitCodes")
			switch ec.Operator {
			case batchv1.PodFailurePolicyOnExitCodesOpIn, batchv1.PodFailurePolicyOnExitCodesOpNotIn:
			case "":
				p.Report(ep.Child("operator"), field.ErrorTypeRequired, nil, "onExitCodes needs an operator: In or NotIn", "")
			default:
				notSupported(p, ep.Child("operator"), string(ec.Operator), "operator", []string{"In", "NotIn"})
			}
			if ec.ContainerName != nil && !names[*ec.ContainerName] {
				p.Report(ep.Child("containerName"), field.ErrorTypeInvalid, *ec.ContainerName, fmt.Sprintf("containerName %q must be one of the Pod template's containers or init containers", *ec.ContainerName), "")
			}
			vp := ep.Child("values")
			if len(ec.Values) == 0 {
				p.Report(vp, field.ErrorTypeInvalid, nil, "onExitCodes needs at least one value", "")
			} else if len(ec.Values) > 255 {
				p.Report(vp, field.ErrorTypeTooMany, len(ec.Values), "onExitCodes may list at most 255 values", "")
			}
			seen := map[int32]bool{}
			ordered := true
			for j, v := range ec.Values {
				if ec.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn && v == 0 {
					p.Report(vp.Index(j), field.ErrorTypeInvalid, v, "exit code 0 must not be listed with the In operator: it is success", "")
				}
				if seen[v] {
					p.Report(vp.Index(j), field.ErrorTypeDuplicate, v, fmt.Sprintf("exit code %d is listed twice", v), "")
				}
				seen[v] = true
				if j > 0 && ec.Values[j-1] > v {
					ordered = false
				}
			}
			if !ordered {
				p.Report(vp, field.ErrorTypeInvalid, ec.Values, "exit codes must be listed in ascending order", "")
			}
		}
		for j, c := range r.OnPodConditions {
			cp := rp.Child("onPodConditions").Index(j)
			reportMsgs(p, cp.Child("type"), string(c.Type), fmt.Sprintf("condition type %q is not a qualified name", c.Type), validation.IsQualifiedName(string(c.Type)), "")
			switch c.Status {
			case corev1.ConditionTrue, corev1.ConditionFalse, corev1.ConditionUnknown:
			case "": // defaults to True
			default:
				notSupported(p, cp.Child("status"), string(c.Status), "status", []string{"False", "True", "Unknown"})
			}
		}
		switch {
		case r.OnExitCodes != nil && len(r.OnPodConditions) > 0:
			p.Report(rp, field.ErrorTypeInvalid, nil, "a pod failure rule may not use both onExitCodes and onPodConditions", "Split it into two rules.")
		case r.OnExitCodes == nil && len(r.OnPodConditions) == 0:
			p.Report(rp, field.ErrorTypeInvalid, nil, "a pod failure rule needs one of onExitCodes or onPodConditions", "")
		}
	}
}

// countIndexes parses a list of indexes and ranges ("0-3,7"): ascending, each below
// completions. It returns how many indexes the list names.
func countIndexes(s string, completions int32) (int32, error) {
	if s == "" {
		return 0, nil
	}
	var total int32
	last := int32(-1)
	for _, part := range strings.Split(s, ",") {
		bounds := strings.Split(part, "-")
		if len(bounds) > 2 {
			return 0, fmt.Errorf("%q has more than two parts separated by '-'", part)
		}
		var vals []int32
		for _, b := range bounds {
			n, err := strconv.Atoi(b)
			if err != nil {
				return 0, fmt.Errorf("%q is not an index", b)
			}
			if n >= int(completions) {
				return 0, fmt.Errorf("index %d is not below completions (%d)", n, completions)
			}
			vals = append(vals, int32(n))
		}
		x, y := vals[0], vals[len(vals)-1]
		if len(vals) == 2 && x >= y {
			return 0, fmt.Errorf("range %q is not increasing", part)
		}
		if last >= 0 && last >= x {
			return 0, fmt.Errorf("indexes are not in increasing order at %q", part)
		}
		total += y - x + 1
		last = y
	}
	return total, nil
}

// generatedSelector reports whether a Job's selector is the one the API server
// generates (batch.kubernetes.io/controller-uid: <the Job's UID>, as the job
// registry's generateSelector writes it). A live Job (an admission request, a
// Job listed by podlint audit) carries it, and the API server accepted it. In a
// manifest it is still an error: a create gets a new UID, which the copied
// selector does not match.
func generatedSelector(j *batchv1.Job) bool {
	sel := j.Spec.Selector
	return j.UID != "" && len(sel.MatchExpressions) == 0 && len(sel.MatchLabels) == 1 &&
		sel.MatchLabels[batchv1.ControllerUidLabel] == string(j.UID)
}
