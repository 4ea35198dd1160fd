package parity

import (
	"bytes"
	"context"
	"io"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/pod-security-admission/admission"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/rules"
)

// externalDecoder decodes, defaults and converts to the served external versions,
// the objects the API server's admission plugins see after decoding.
var externalDecoder = legacyscheme.Codecs.UniversalDecoder(corev1.SchemeGroupVersion, appsv1.SchemeGroupVersion, batchv1.SchemeGroupVersion)

// psaEvaluator is the PodSecurity admission plugin's own evaluator.
var psaEvaluator = func() policy.Evaluator {
	ev, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		panic(err)
	}
	return ev
}()

// PodSecurityOracle returns the ForbiddenReasons the PodSecurity admission
// plugin's evaluator gives the object at lv, from the object as the API server
// decodes and defaults it and the plugin's own pod spec extraction. ok is false
// for objects the API server cannot decode or that carry no pod spec.
func PodSecurityOracle(data []byte, lv psaapi.LevelVersion) (reasons []string, ok bool) {
	obj, _, err := externalDecoder.Decode(data, nil, nil)
	if err != nil {
		return nil, false
	}
	meta, spec, err := admission.DefaultPodSpecExtractor{}.ExtractPodSpec(obj)
	if err != nil || spec == nil {
		return nil, false
	}
	agg := policy.AggregateCheckResults(psaEvaluator.EvaluatePod(lv, meta, spec))
	reasons = append(reasons, agg.ForbiddenReasons...)
	sort.Strings(reasons)
	return reasons, true
}

// PodlintPodSecurity returns the pod-security rules podlint reports for the
// object when lv is the default enforced level, with the findings.
func PodlintPodSecurity(rel lint.Release, lv psaapi.LevelVersion, data []byte) (ruleIDs map[string]bool, findings []lint.Finding) {
	eng := lint.NewEngine(rules.All(), lint.Options{Release: rel, Workers: 1, PodSecurity: lint.PodSecurityOptions{Default: lv}})
	src := lint.Source{Name: "object.yaml", Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
	ruleIDs = map[string]bool{}
	for _, f := range eng.Run(context.Background(), []lint.Source{src}).Findings {
		if f.Category == lint.CategoryPodSecurity {
			ruleIDs[f.Rule] = true
			findings = append(findings, f)
		}
	}
	return ruleIDs, findings
}

// ReasonRules maps each ForbiddenReason of the Pod Security checks to the podlint
// rules of the checks that give it. A baseline check and the restricted check
// that overrides it share a reason; at one level only one of them runs.
var ReasonRules = map[string][]string{
	"host namespaces":                   {"pod-security-host-namespaces"},
	"privileged":                        {"pod-security-privileged"},
	"non-default capabilities":          {"pod-security-capabilities-baseline"},
	"unrestricted capabilities":         {"pod-security-capabilities-restricted"},
	"hostPath volumes":                  {"pod-security-host-path-volumes"},
	"hostPort":                          {"pod-security-host-ports"},
	"probe or lifecycle host":           {"pod-security-host-probes-and-host-lifecycle"},
	"forbidden AppArmor profile":        {"pod-security-apparmor-profile"},
	"forbidden AppArmor profiles":       {"pod-security-apparmor-profile"},
	"seLinuxOptions":                    {"pod-security-selinux-options"},
	"procMount":                         {"pod-security-proc-mount", "pod-security-proc-mount-restricted"},
	"seccompProfile":                    {"pod-security-seccomp-profile-baseline", "pod-security-seccomp-profile-restricted"},
	"forbidden sysctls":                 {"pod-security-sysctls"},
	"hostProcess":                       {"pod-security-windows-host-process"},
	"restricted volume types":           {"pod-security-restricted-volumes"},
	"allowPrivilegeEscalation != false": {"pod-security-allow-privilege-escalation"},
	"runAsNonRoot != true":              {"pod-security-run-as-non-root"},
	"runAsUser=0":                       {"pod-security-run-as-user"},
}
