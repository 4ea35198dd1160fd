package rules

import (
	"fmt"
	"math"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

// Limits of the resolver configuration a Pod may carry (glibc's resolv.conf limits).
const (
	maxDNSNameservers     = 3
	maxDNSSearchPaths     = 32
	maxDNSSearchListChars = 2048
)

var podSpecFields = &lint.Rule{
	ID:       "pod-spec-fields",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Pod-level fields must hold supported values",
	Doc: "dnsPolicy is ClusterFirst (the default), ClusterFirstWithHostNet, Default or None; None needs a dnsConfig with at least one " +
		"nameserver. dnsConfig holds at most 3 nameserver IP addresses, at most 32 search domains (2048 characters in all) and named options. " +
		"activeDeadlineSeconds is between 1 and 2^31-1. hostname and subdomain are DNS labels; serviceAccountName, nodeName and " +
		"priorityClassName are DNS subdomains; nodeSelector keys and values follow the label syntax; imagePullSecrets entries only set a name.",
	Remediation: "Use a supported value for the field.",
	Fields:      []string{"dnsPolicy", "dnsConfig", "activeDeadlineSeconds", "hostname", "subdomain", "serviceAccountName", "nodeName", "priorityClassName", "nodeSelector"},
	Check: func(p *lint.Pass) {
		spec := p.Object.PodSpec
		sp := p.Object.PodSpecPath
		switch spec.DNSPolicy {
		case "", corev1.DNSClusterFirst, corev1.DNSClusterFirstWithHostNet, corev1.DNSDefault, corev1.DNSNone:
		default:
			notSupported(p, sp.Child("dnsPolicy"), string(spec.DNSPolicy), "dnsPolicy", []string{"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"})
		}
		checkDNSConfig(p, spec, sp.Child("dnsConfig"))
		if d := spec.ActiveDeadlineSeconds; d != nil && (*d < 1 || *d > math.MaxInt32) {
			p.Report(sp.Child("activeDeadlineSeconds"), field.ErrorTypeInvalid, *d,
				fmt.Sprintf("activeDeadlineSeconds %d must be between 1 and %d", *d, math.MaxInt32), "Set a positive number of seconds, or remove the field.")
		}
		// A StatefulSet names its Pods' hosts itself: the API server clears hostname
		// and subdomain before it validates the template.
		hostname, subdomain := spec.Hostname, spec.Subdomain
		if p.Object.Ref.Kind == "StatefulSet" {
			hostname, subdomain = "", ""
		}
		for _, f := range []struct {
			name, value string
			check       func(string) []string
		}{
			{"hostname", hostname, validation.IsDNS1123Label},
			{"subdomain", subdomain, validation.IsDNS1123Label},
			{"serviceAccountName", spec.ServiceAccountName, validation.IsDNS1123Subdomain},
			{"nodeName", spec.NodeName, validation.IsDNS1123Subdomain},
			{"priorityClassName", spec.PriorityClassName, validation.IsDNS1123Subdomain},
		} {
			if f.value != "" {
				reportMsgs(p, sp.Child(f.name), f.value, fmt.Sprintf("%s %q is not valid", f.name, f.value), f.check(f.value), "")
			}
		}
		//lint:ignore SA1019 the deprecated alias must equal serviceAccountName
		if dsa := spec.DeprecatedServiceAccount; dsa != "" && dsa != spec.ServiceAccountName && spec.ServiceAccountName != "" {
			p.Report(sp.Child("deprecatedServiceAccount"), field.ErrorTypeInvalid, dsa,
				fmt.Sprintf("serviceAccount %q must be the same as serviceAccountName %q", dsa, spec.ServiceAccountName), "Remove the deprecated serviceAccount field.")
		}
		for _, k := range sortedMapKeys(spec.NodeSelector) {
			if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
				p.Report(sp.Child("nodeSelector"), field.ErrorTypeInvalid, k, fmt.Sprintf("nodeSelector key %q is not a valid label key: %s", k, strings.Join(msgs, "; ")), "")
			}
			if msgs := validation.IsValidLabelValue(spec.NodeSelector[k]); len(msgs) > 0 {
				p.Report(sp.Child("nodeSelector"), field.ErrorTypeInvalid, spec.NodeSelector[k], fmt.Sprintf("nodeSelector value %q is not a valid label value: %s", spec.NodeSelector[k], strings.Join(msgs, "; ")), "")
			}
		}
		checkTolerations(p, spec.Tolerations, sp.Child("tolerations"))
	},
}

func checkDNSConfig(p *lint.Pass, spec *corev1.PodSpec, path *field.Path) {
	cfg := spec.DNSConfig
	if spec.DNSPolicy == corev1.DNSNone {
		if cfg == nil {
			p.Report(path, field.ErrorTypeRequired, nil, "dnsPolicy None needs a dnsConfig: the Pod would have no resolver configuration at all", "Add dnsConfig with nameservers.")
			return
		}
		if len(cfg.Nameservers) == 0 {
			p.Report(path.Child("nameservers"), field.ErrorTypeRequired, nil, "dnsPolicy None needs at least one nameserver in dnsConfig", "")
			return
		}
	}
	if cfg == nil {
		return
	}
	if len(cfg.Nameservers) > maxDNSNameservers {
		p.Report(path.Child("nameservers"), field.ErrorTypeInvalid, cfg.Nameservers, fmt.Sprintf("at most %d nameservers are allowed", maxDNSNameservers), "")
	}
	for i, ns := range cfg.Nameservers {
		if _, err := netip.ParseAddr(ns); err != nil || strings.Contains(ns, "%") {
			p.Report(path.Child("nameservers").Index(i), field.ErrorTypeInvalid, ns, fmt.Sprintf("nameserver %q must be an IP address", ns), "")
		}
	}
	if len(cfg.Searches) > maxDNSSearchPaths {
		p.Report(path.Child("searches"), field.ErrorTypeInvalid, cfg.Searches, fmt.Sprintf("at most %d search paths are allowed", maxDNSSearchPaths), "")
	}
	if len(strings.Join(cfg.Searches, " ")) > maxDNSSearchListChars {
		p.Report(path.Child("searches"), field.ErrorTypeInvalid, cfg.Searches, fmt.Sprintf("the search list may not exceed %d characters", maxDNSSearchListChars), "")
	}
	for i, s := range cfg.Searches {
		if s == "." {
			continue
		}
		s = strings.TrimSuffix(s, ".")
		// Search domains may contain '_' (SRV-style names).
		if msgs := validation.IsDNS1123Subdomain(strings.ReplaceAll(s, "_", "a")); len(msgs) > 0 {
			p.Report(path.Child("searches").Index(i), field.ErrorTypeInvalid, s, fmt.Sprintf("search domain %q is not a DNS subdomain: %s", s, strings.Join(msgs, "; ")), "")
		}
	}
	for i, o := range cfg.Options {
		if o.Name == "" {
			p.Report(path.Child("options").Index(i), field.ErrorTypeRequired, nil, "a resolver option needs a name", "")
		}
	}
}

func checkTolerations(p *lint.Pass, ts []corev1.Toleration, path *field.Path) {
	for i, t := range ts {
		tp := path.Index(i)
		if t.Key != "" {
			reportMsgs(p, tp.Child("key"), t.Key, fmt.Sprintf("toleration key %q is not a valid label key", t.Key), validation.IsQualifiedName(t.Key), "")
		}
		if t.Key == "" && t.Operator != corev1.TolerationOpExists {
			p.Report(tp.Child("operator"), field.ErrorTypeInvalid, string(t.Operator),
				"operator must be Exists when key is empty, which means \"match all values and all keys\"", "Set operator: Exists, or name the taint key.")
		}
		if t.TolerationSeconds != nil && t.Effect != corev1.TaintEffectNoExecute {
			p.Report(tp.Child("effect"), field.ErrorTypeInvalid, string(t.Effect),
				"effect must be NoExecute when tolerationSeconds is set: only NoExecute taints evict after a delay", "Set effect: NoExecute, or remove tolerationSeconds.")
		}
		switch t.Operator {
		case corev1.TolerationOpEqual, "":
			if msgs := validation.IsValidLabelValue(t.Value); len(msgs) > 0 {
				p.Report(tp.Child("operator"), field.ErrorTypeInvalid, t.Value, fmt.Sprintf("toleration value %q is not a valid label value: %s", t.Value, strings.Join(msgs, "; ")), "")
			}
		case corev1.TolerationOpExists:
			if t.Value != "" {
				p.Report(tp.Child("operator"), field.ErrorTypeInvalid, t.Value, "value must be empty when operator is Exists", "Remove value, or use operator: Equal.")
			}
		default:
			notSupported(p, tp.Child("operator"), string(t.Operator), "operator", []string{"Equal", "Exists"})
		}
		switch t.Effect {
		case "", corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		default:
			notSupported(p, tp.Child("effect"), string(t.Effect), "effect", []string{"NoSchedule", "PreferNoSchedule", "NoExecute"})
		}
	}
}
