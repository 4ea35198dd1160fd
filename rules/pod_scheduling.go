package rules

import (
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var podScheduling = &lint.Rule{
	ID:       "pod-scheduling",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Topology spread, host aliases, readiness gates, preemption and OS must be valid",
	Doc: "A topologySpreadConstraint needs a positive maxSkew, a topologyKey (the node label whose values form the domains), " +
		"whenUnsatisfiable DoNotSchedule or ScheduleAnyway (one constraint per key and action) and a valid label selector; minDomains, when " +
		"set, is positive and only works with DoNotSchedule. hostAliases entries need an IP address and DNS-subdomain host names. " +
		"readinessGates name conditions by qualified name. preemptionPolicy is PreemptLowerPriority or Never, and os.name linux or windows.",
	Remediation: "Use a positive maxSkew, a topologyKey and a supported whenUnsatisfiable, and valid host aliases and gate names.",
	Fields:      []string{"topologySpreadConstraints", "hostAliases", "readinessGates", "preemptionPolicy", "os"},
	Check: func(p *lint.Pass) {
		spec := p.Object.PodSpec
		sp := p.Object.PodSpecPath
		for i, c := range spec.TopologySpreadConstraints {
			cp := sp.Child("topologySpreadConstraints").Index(i)
			if c.MaxSkew <= 0 {
				p.Report(cp.Child("maxSkew"), field.ErrorTypeInvalid, c.MaxSkew, fmt.Sprintf("maxSkew %d must be greater than zero", c.MaxSkew), "")
			}
			if c.TopologyKey == "" {
				p.Report(cp.Child("topologyKey"), field.ErrorTypeRequired, nil, "topologyKey can not be empty: it names the node label that defines the domains", "Set topologyKey, e.g. topology.kubernetes.io/zone.")
			}
			if c.WhenUnsatisfiable != corev1.DoNotSchedule && c.WhenUnsatisfiable != corev1.ScheduleAnyway {
				notSupported(p, cp.Child("whenUnsatisfiable"), string(c.WhenUnsatisfiable), "whenUnsatisfiable", []string{"DoNotSchedule", "ScheduleAnyway"})
			}
			for _, later := range spec.TopologySpreadConstraints[i+1:] {
				if later.TopologyKey == c.TopologyKey && later.WhenUnsatisfiable == c.WhenUnsatisfiable {
					// The API server names this path literally so.
					p.Report(cp.Child("{topologyKey, whenUnsatisfiable}"), field.ErrorTypeDuplicate, c.TopologyKey,
						fmt.Sprintf("another constraint already spreads over %q with %s", c.TopologyKey, c.WhenUnsatisfiable), "Merge the two constraints.")
					break
				}
			}
			if m := c.MinDomains; m != nil {
				if *m <= 0 {
					p.Report(cp.Child("minDomains"), field.ErrorTypeInvalid, *m, fmt.Sprintf("minDomains %d must be greater than zero", *m), "")
				}
				if c.WhenUnsatisfiable != corev1.DoNotSchedule {
					p.Report(cp.Child("minDomains"), field.ErrorTypeInvalid, *m, fmt.Sprintf("minDomains only works with whenUnsatisfiable DoNotSchedule, not %s", c.WhenUnsatisfiable), "")
				}
			}
			for _, pol := range []struct {
				name string
				v    *corev1.NodeInclusionPolicy
			}{{"nodeAffinityPolicy", c.NodeAffinityPolicy}, {"nodeTaintsPolicy", c.NodeTaintsPolicy}} {
				if pol.v != nil && *pol.v != corev1.NodeInclusionPolicyHonor && *pol.v != corev1.NodeInclusionPolicyIgnore {
					notSupported(p, cp.Child(pol.name), string(*pol.v), pol.name, []string{"Honor", "Ignore"})
				}
			}
			if c.LabelSelector != nil {
				checkLabelSelector(p, c.LabelSelector, cp.Child("labelSelector"))
			}
		}
		for i, h := range spec.HostAliases {
			hp := sp.Child("hostAliases").Index(i)
			if _, err := netip.ParseAddr(h.IP); err != nil || strings.Contains(h.IP, "%") {
				p.Report(hp.Child("ip"), field.ErrorTypeInvalid, h.IP, fmt.Sprintf("host alias IP %q must be an IP address", h.IP), "")
			}
			for j, n := range h.Hostnames {
				reportMsgs(p, hp.Child("hostnames").Index(j), n, fmt.Sprintf("host name %q is not a DNS subdomain", n), validation.IsDNS1123Subdomain(n), "")
			}
		}
		for i, g := range spec.ReadinessGates {
			reportMsgs(p, sp.Child("readinessGates").Index(i).Child("conditionType"), string(g.ConditionType),
				fmt.Sprintf("readiness gate %q is not a qualified name", g.ConditionType), validation.IsQualifiedName(string(g.ConditionType)), "")
		}
		if pp := spec.PreemptionPolicy; pp != nil && *pp != corev1.PreemptLowerPriority && *pp != corev1.PreemptNever {
			notSupported(p, sp.Child("preemptionPolicy"), string(*pp), "preemptionPolicy", []string{"Never", "PreemptLowerPriority"})
		}
		if os := spec.OS; os != nil {
			switch os.Name {
			case corev1.Linux, corev1.Windows:
			case "":
				p.Report(sp.Child("os", "name"), field.ErrorTypeRequired, nil, "os needs a name: linux or windows", "")
			default:
				// The API server reports an unknown OS at spec.os itself.
				notSupported(p, sp.Child("os"), string(os.Name), "os name", []string{"linux", "windows"})
			}
		}
	},
}
