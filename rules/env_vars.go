package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

// Downward API fields an env var may read with fieldRef (besides subscripted labels
// and annotations); the conversion of a v1 field label accepts a few more, which the
// env var check then refuses.
var (
	envFieldPaths     = []string{"metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"}
	volumeFieldPaths  = []string{"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"}
	convertibleFields = append([]string{"metadata.annotations", "metadata.labels", "spec.restartPolicy", "spec.schedulerName", "status.phase"}, envFieldPaths...)
	envResourceFields = []string{"limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"}
	cpuDivisors       = []string{"1m", "1"}
	byteDivisors      = []string{"1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"}
)

var envVars = &lint.Rule{
	ID:       "env-vars",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Environment variables need a name and at most one well-formed source",
	Doc: "An env entry needs a name of printable ASCII without '='. Its value comes from value or from exactly one valueFrom source, " +
		"never both: fieldRef reads a Pod field through the downward API (metadata.name, metadata.namespace, metadata.uid, " +
		"metadata.labels['key'], metadata.annotations['key'], spec.nodeName, spec.serviceAccountName, status.hostIP(s), status.podIP(s)); " +
		"resourceFieldRef reads a container's cpu, memory or ephemeral-storage request or limit, with divisor 1 or 1m for cpu and a " +
		"power-of-ten or power-of-two unit for bytes; configMapKeyRef and secretKeyRef name an object (a DNS subdomain) and a key made of " +
		"alphanumerics, '-', '_' and '.'. An envFrom entry names exactly one of configMapRef or secretRef, and its prefix follows the env name rules.",
	Remediation: "Give each env var a name and either value or one valueFrom source, and each envFrom entry one source.",
	Fields:      []string{"containers[*].env[*]", "containers[*].envFrom[*]"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			for j := range c.Env {
				checkEnvVar(p, &c.Env[j], c.Path.Child("env").Index(j))
			}
			for j, ef := range c.EnvFrom {
				ep := c.Path.Child("envFrom").Index(j)
				if ef.Prefix != "" {
					if msgs := validation.IsRelaxedEnvVarName(ef.Prefix); len(msgs) > 0 {
						p.Report(ep.Child("prefix"), field.ErrorTypeInvalid, ef.Prefix, fmt.Sprintf("envFrom prefix %q: %s", ef.Prefix, strings.Join(msgs, "; ")), "")
					}
				}
				n := 0
				if ef.ConfigMapRef != nil {
					n++
					checkRefName(p, ef.ConfigMapRef.Name, ep.Child("configMapRef", "name"), "ConfigMap")
				}
				if ef.SecretRef != nil {
					n++
					checkRefName(p, ef.SecretRef.Name, ep.Child("secretRef", "name"), "Secret")
				}
				// The API server reports both shape errors at the envFrom list itself.
				switch {
				case n == 0:
					p.Report(c.Path.Child("envFrom"), field.ErrorTypeInvalid, "", "an envFrom entry must specify one of configMapRef or secretRef", "")
				case n > 1:
					p.Report(c.Path.Child("envFrom"), field.ErrorTypeInvalid, "", "an envFrom entry may not have both configMapRef and secretRef: use two entries", "")
				}
			}
		}
	},
}

// checkRefName checks the name of a ConfigMap or Secret an envFrom entry imports.
func checkRefName(p *lint.Pass, name string, path *field.Path, kind string) {
	if name == "" {
		p.Report(path, field.ErrorTypeRequired, nil, kind+" name is required", "")
		return
	}
	reportMsgs(p, path, name, fmt.Sprintf("%s name %q is not a DNS subdomain", kind, maskTrailingDash(name)), validation.IsDNS1123Subdomain(maskTrailingDash(name)), "")
}

func checkEnvVar(p *lint.Pass, ev *corev1.EnvVar, path *field.Path) {
	if ev.Name == "" {
		p.Report(path.Child("name"), field.ErrorTypeRequired, nil, "env var has no name", "Give the env var a name.")
	} else {
		if msgs := validation.IsRelaxedEnvVarName(ev.Name); len(msgs) > 0 {
			p.Report(path.Child("name"), field.ErrorTypeInvalid, ev.Name, fmt.Sprintf("env var name %q: %s", ev.Name, strings.Join(msgs, "; ")), "")
		}
	}
	vf := ev.ValueFrom
	if vf == nil {
		return
	}
	vp := path.Child("valueFrom")
	n := 0
	if fr := vf.FieldRef; fr != nil {
		n++
		checkFieldRef(p, fr, vp.Child("fieldRef"), envFieldPaths, p.Report)
	}
	if rr := vf.ResourceFieldRef; rr != nil {
		n++
		rp := vp.Child("resourceFieldRef")
		if rr.Resource == "" {
			p.Report(rp.Child("resource"), field.ErrorTypeRequired, nil, "resourceFieldRef needs the resource to read, e.g. limits.memory", "")
		} else if !contains(envResourceFields, rr.Resource) && !strings.HasPrefix(rr.Resource, "requests.hugepages-") && !strings.HasPrefix(rr.Resource, "limits.hugepages-") {
			notSupported(p, rp.Child("resource"), rr.Resource, "resource", envResourceFields)
		}
		checkDivisor(p, rr.Resource, rr.Divisor, rp.Child("divisor"))
	}
	if r := vf.ConfigMapKeyRef; r != nil {
		n++
		checkKeyRef(p, r.Name, r.Key, vp.Child("configMapKeyRef"), "ConfigMap")
	}
	if r := vf.SecretKeyRef; r != nil {
		n++
		checkKeyRef(p, r.Name, r.Key, vp.Child("secretKeyRef"), "Secret")
	}
	if vf.FileKeyRef != nil {
		n++
	}
	switch {
	case n == 0:
		p.Report(vp, field.ErrorTypeInvalid, "", "valueFrom must specify one of fieldRef, resourceFieldRef, configMapKeyRef or secretKeyRef", "")
	case ev.Value != "":
		p.Report(vp, field.ErrorTypeInvalid, "", "valueFrom may not be specified when value is not empty: the variable would have two values", "Keep either value or valueFrom.")
	case n > 1:
		p.Report(vp, field.ErrorTypeInvalid, "", "valueFrom may not have more than one source at a time", "Keep one source in valueFrom.")
	}
}

// checkFieldRef checks a downward API field reference against the fields the
// consumer (env vars or volume files) may read.
func checkFieldRef(p *lint.Pass, fr *corev1.ObjectFieldSelector, path *field.Path, allowed []string, report reportFunc) {
	// apiVersion defaults to v1 before validation.
	if fr.APIVersion != "" && fr.APIVersion != "v1" {
		report(path.Child("fieldPath"), field.ErrorTypeInvalid, fr.FieldPath,
			fmt.Sprintf("fieldRef apiVersion %q is not supported: downward API field paths are those of v1 Pods", fr.APIVersion), "Set apiVersion: v1 or leave it out.")
		return
	}
	if fr.FieldPath == "" {
		report(path.Child("fieldPath"), field.ErrorTypeRequired, nil, "fieldRef needs a fieldPath, e.g. metadata.name", "")
		return
	}
	fp := fr.FieldPath
	if base, sub, ok := splitSubscript(fp); ok {
		switch base {
		case "metadata.annotations":
			if msgs := validation.IsQualifiedName(strings.ToLower(sub)); len(msgs) > 0 {
				report(path, field.ErrorTypeInvalid, sub, fmt.Sprintf("annotation key %q is not a qualified name: %s", sub, strings.Join(msgs, "; ")), "")
			}
		case "metadata.labels":
			if msgs := validation.IsQualifiedName(sub); len(msgs) > 0 {
				report(path, field.ErrorTypeInvalid, sub, fmt.Sprintf("label key %q is not a qualified name: %s", sub, strings.Join(msgs, "; ")), "")
			}
		default:
			report(path.Child("fieldPath"), field.ErrorTypeInvalid, fp, fmt.Sprintf("field path %q cannot be read through the downward API", fp), "")
		}
		return
	}
	if fp == "spec.host" {
		fp = "spec.nodeName" // the old name, still converted
	}
	if !contains(convertibleFields, fp) {
		report(path.Child("fieldPath"), field.ErrorTypeInvalid, fp, fmt.Sprintf("field path %q cannot be read through the downward API", fp), "")
		return
	}
	if !contains(allowed, fp) {
		report(path.Child("fieldPath"), field.ErrorTypeNotSupported, fp, fmt.Sprintf("unsupported fieldPath %q (supported: %s)", fp, quoted(allowed)), "")
	}
}

// splitSubscript splits metadata.labels['key'] into its path and key.
func splitSubscript(s string) (string, string, bool) {
	if !strings.HasSuffix(s, "']") {
		return "", "", false
	}
	i := strings.Index(s, "['")
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+2 : len(s)-2], true
}

func checkDivisor(p *lint.Pass, res string, d resource.Quantity, path *field.Path) {
	if d.IsZero() {
		return
	}
	var ok []string
	switch {
	case strings.HasSuffix(res, ".cpu"):
		ok = cpuDivisors
	case strings.HasSuffix(res, ".memory"), strings.HasSuffix(res, ".ephemeral-storage"), strings.Contains(res, ".hugepages-"):
		ok = byteDivisors
	default:
		return
	}
	if !contains(ok, d.String()) {
		p.Report(path, field.ErrorTypeInvalid, res, fmt.Sprintf("divisor %s is not supported for %s (supported: %s)", d.String(), res, strings.Join(ok, ", ")), "")
	}
}

func checkKeyRef(p *lint.Pass, name, key string, path *field.Path, kind string) {
	reportMsgs(p, path.Child("name"), name, fmt.Sprintf("%s name %q is not a DNS subdomain", kind, name), validation.IsDNS1123Subdomain(name), "")
	if key == "" {
		p.Report(path.Child("key"), field.ErrorTypeRequired, nil, fmt.Sprintf("the %s key to read is required", kind), "")
		return
	}
	reportMsgs(p, path.Child("key"), key, fmt.Sprintf("%s key %q is not a valid key", kind, key), validation.IsConfigMapKey(key), "")
}
