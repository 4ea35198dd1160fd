package rules

import (
	"fmt"
	"path"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

// totalAnnotationSize is the API server's limit on the summed length of all
// annotation keys and values of one object (256 KiB).
const totalAnnotationSize = 256 * 1024

// generatedSuffix is what the API server's name generator appends to generateName:
// five random lower-case alphanumerics, after cutting the prefix to 58 characters.
const (
	generatedSuffix    = "x0x0x"
	maxGeneratedPrefix = validation.DNS1123LabelMaxLength - len(generatedSuffix)
)

var objectMetadata = &lint.Rule{
	ID:       "object-metadata",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Object and template metadata must be valid",
	Doc: "The API server validates every object's metadata before it stores it. The name (or, when the name is empty, the name generated from " +
		"generateName plus five random characters) must be a DNS subdomain: at most 253 lower-case alphanumerics, '-' and '.', starting and ending " +
		"alphanumeric; a StatefulSet's name must be a DNS label (at most 63 characters, no dots) because it prefixes its Pods' host names, and a " +
		"CronJob's at most 52 characters because its Jobs append an 11-character suffix. The namespace must be a DNS label. Label keys are " +
		"qualified names (an optional DNS-subdomain prefix and '/', then at most 63 alphanumerics, '-', '_' and '.'), label values at most 63 such " +
		"characters starting and ending alphanumeric, annotation keys qualified names too, and all annotations together at most 256 KiB. " +
		"Pod templates get the same label and annotation checks (a CronJob's jobTemplate metadata is not validated on create).",
	Remediation: "Use a lower-case DNS name, and label keys and values made of alphanumerics, '-', '_' and '.'.",
	Fields:      []string{"metadata.name", "metadata.generateName", "metadata.namespace", "metadata.labels", "metadata.annotations"},
	Check: func(p *lint.Pass) {
		obj := p.Object
		meta := obj.Meta
		if meta == nil {
			return
		}
		mp := obj.Path("metadata")
		kind := obj.Ref.Kind
		nameOK := validation.IsDNS1123Subdomain
		if kind == "StatefulSet" {
			nameOK = validation.IsDNS1123Label
		}
		if meta.GenerateName != "" {
			if msgs := nameOK(maskTrailingDash(meta.GenerateName)); len(msgs) > 0 {
				p.Report(mp.Child("generateName"), field.ErrorTypeInvalid, meta.GenerateName,
					"generateName is not a valid name prefix: "+strings.Join(msgs, "; "), "")
			}
		}
		name := meta.Name
		if name == "" && meta.GenerateName != "" {
			prefix := meta.GenerateName
			if len(prefix) > maxGeneratedPrefix {
				prefix = prefix[:maxGeneratedPrefix]
			}
			name = prefix + generatedSuffix
		}
		switch {
		case name == "":
			p.Report(mp.Child("name"), field.ErrorTypeRequired, nil,
				"name or generateName is required: the API server cannot store an object without a name", "Set metadata.name.")
		default:
			if msgs := nameOK(name); len(msgs) > 0 {
				what := "name"
				if meta.Name == "" {
					what = fmt.Sprintf("name generated from generateName %q", meta.GenerateName)
				}
				p.Report(mp.Child("name"), field.ErrorTypeInvalid, name,
					fmt.Sprintf("%s is not a valid %s name: %s", what, kind, strings.Join(msgs, "; ")), "")
			} else if kind == "CronJob" && len(name) > 52 {
				p.Report(mp.Child("name"), field.ErrorTypeInvalid, name,
					"a CronJob's name must be no more than 52 characters: its Jobs are named after it plus an 11-character suffix, within the 63-character limit",
					"Shorten the name to 52 characters or fewer.")
			}
		}
		if meta.Namespace != "" {
			if msgs := validation.IsDNS1123Label(meta.Namespace); len(msgs) > 0 {
				p.Report(mp.Child("namespace"), field.ErrorTypeInvalid, meta.Namespace,
					"namespace is not a valid namespace name: "+strings.Join(msgs, "; "), "")
			}
		}
		checkLabelsAndAnnotations(p, meta, mp, mp)
		if obj.PodMeta != nil && obj.PodMeta != meta {
			tp := templateMetaPath(obj)
			checkLabelsAndAnnotations(p, obj.PodMeta, tp, tp.Child("metadata"))
		}
		if obj.IsPod() {
			checkSeccompAnnotations(p, meta, mp.Child("annotations"))
		} else if obj.PodMeta != nil {
			checkSeccompAnnotations(p, obj.PodMeta, templateMetaPath(obj).Child("annotations"))
		}
	},
}

// templateMetaPath is where the API server reports the pod template's labels and
// annotations: on the template itself (spec.template.labels), since its metadata is
// embedded in the internal type, not under spec.template.metadata.
func templateMetaPath(obj *lint.Object) *field.Path {
	if obj.Ref.Kind == "CronJob" {
		return obj.Path("spec", "jobTemplate", "spec", "template")
	}
	return obj.Path("spec", "template")
}

// maskTrailingDash mirrors how the API server checks a generateName: the random
// suffix follows, so a trailing '-' is fine.
func maskTrailingDash(s string) string {
	if len(s) > 1 && strings.HasSuffix(s, "-") {
		return s[:len(s)-2] + "a"
	}
	return s
}

// checkLabelsAndAnnotations reports at the labels or annotations map itself, as the
// API server does, so every bad key or value of one map shares one path (mp); the
// position is the offending key, under written (the metadata as written).
func checkLabelsAndAnnotations(p *lint.Pass, meta *metav1.ObjectMeta, mp, written *field.Path) {
	for _, k := range sortedMapKeys(meta.Labels) {
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			p.ReportAt(mp.Child("labels"), written.Child("labels").Key(k), field.ErrorTypeInvalid, k,
				fmt.Sprintf("label key %q is not a qualified name: %s", k, strings.Join(msgs, "; ")), "")
		}
		if v := meta.Labels[k]; len(validation.IsValidLabelValue(v)) > 0 {
			p.ReportAt(mp.Child("labels"), written.Child("labels").Key(k), field.ErrorTypeInvalid, v,
				fmt.Sprintf("value %q of label %q is not a valid label value: %s", v, k, strings.Join(validation.IsValidLabelValue(v), "; ")),
				"Use at most 63 alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric, or move the value to an annotation.")
		}
	}
	size := 0
	for _, k := range sortedMapKeys(meta.Annotations) {
		size += len(k) + len(meta.Annotations[k])
		// Annotation keys are qualified names, case-insensitively.
		if msgs := validation.IsQualifiedName(strings.ToLower(k)); len(msgs) > 0 {
			p.ReportAt(mp.Child("annotations"), written.Child("annotations").Key(k), field.ErrorTypeInvalid, k,
				fmt.Sprintf("annotation key %q is not a qualified name: %s", k, strings.Join(msgs, "; ")), "")
		}
	}
	if size > totalAnnotationSize {
		p.ReportAt(mp.Child("annotations"), written.Child("annotations"), field.ErrorTypeTooLong, size,
			fmt.Sprintf("annotations take %d bytes; the API server allows at most %d in one object", size, totalAnnotationSize),
			"Move large data into a ConfigMap and keep annotations small.")
	}
}

// checkSeccompAnnotations validates the values of the seccomp annotations as the
// API server still does, although they no longer have an effect
// (deprecated-annotation): runtime/default, docker/default, unconfined or
// localhost/<relative path>. The API server names the annotation as a field
// (annotations.seccomp.security.alpha.kubernetes.io/pod).
func checkSeccompAnnotations(p *lint.Pass, meta *metav1.ObjectMeta, ap *field.Path) {
	for _, k := range sortedMapKeys(meta.Annotations) {
		if k != seccompPodAnnotation && !strings.HasPrefix(k, seccompContainerAnnotation) {
			continue
		}
		v := meta.Annotations[k]
		switch {
		case v == "runtime/default", v == "docker/default", v == "unconfined":
			continue
		case strings.HasPrefix(v, "localhost/"):
			local := strings.TrimPrefix(v, "localhost/")
			if path.IsAbs(local) {
				p.Report(ap.Child(k), field.ErrorTypeInvalid, v, fmt.Sprintf("seccomp profile %q must name a relative path", v), "")
			}
			checkNoBacksteps(local, ap.Child(k), p.Report)
			continue
		}
		p.Report(ap.Child(k), field.ErrorTypeInvalid, v,
			fmt.Sprintf("%q is not a seccomp profile (runtime/default, unconfined or localhost/<path>)", v), "")
	}
}
