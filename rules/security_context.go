package rules

import (
	"fmt"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

// sysctlName is a dotted (or slashed) kernel parameter name, at most 253 characters.
var sysctlName = regexp.MustCompile(`^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$`)

var securityContext = &lint.Rule{
	ID:       "security-context",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Security contexts must use valid IDs, seccomp profiles and sysctls",
	Doc: "User and group IDs (runAsUser, runAsGroup, fsGroup, supplementalGroups) are between 0 and 2147483647. A seccomp profile type is " +
		"RuntimeDefault, Unconfined or Localhost, and only Localhost takes a localhostProfile, a relative path. Pod sysctls need unique names " +
		"in kernel-parameter syntax, and net.* sysctls may not be set with hostNetwork (nor IPC ones with hostIPC), since they would change the " +
		"node's own namespace. A container cannot be privileged with allowPrivilegeEscalation: false, because privileged implies escalation.",
	Remediation: "Use IDs from 0 to 2147483647, a supported seccomp profile and valid sysctl names.",
	Fields:      []string{"securityContext", "containers[*].securityContext"},
	Check: func(p *lint.Pass) {
		spec := p.Object.PodSpec
		if sc := spec.SecurityContext; sc != nil {
			sp := p.Object.PodSpecPath.Child("securityContext")
			checkID(p, sc.FSGroup, sp.Child("fsGroup"))
			checkID(p, sc.RunAsUser, sp.Child("runAsUser"))
			checkID(p, sc.RunAsGroup, sp.Child("runAsGroup"))
			for i, g := range sc.SupplementalGroups {
				checkID(p, &g, sp.Child("supplementalGroups").Index(i))
			}
			seen := map[string]bool{}
			for i, s := range sc.Sysctls {
				np := sp.Child("sysctls").Index(i).Child("name")
				switch {
				case s.Name == "":
					p.Report(np, field.ErrorTypeRequired, nil, "sysctl needs a name", "")
				case len(s.Name) > 253 || !sysctlName.MatchString(s.Name):
					p.Report(np, field.ErrorTypeInvalid, s.Name, fmt.Sprintf("sysctl name %q must have at most 253 characters and be a dotted kernel parameter name", s.Name), "")
				case seen[s.Name]:
					p.Report(np, field.ErrorTypeDuplicate, s.Name, fmt.Sprintf("sysctl %q is set twice", s.Name), "")
				}
				seen[s.Name] = true
				if spec.HostNetwork && (strings.HasPrefix(s.Name, "net.") || strings.HasPrefix(s.Name, "net/")) {
					p.Report(np, field.ErrorTypeInvalid, s.Name, "net sysctls may not be specified when hostNetwork is true: they would change the node's network namespace", "")
				}
				if spec.HostIPC && (strings.HasPrefix(s.Name, "kernel.shm") || strings.HasPrefix(s.Name, "kernel.msg") || strings.HasPrefix(s.Name, "kernel.sem") || strings.HasPrefix(s.Name, "fs.mqueue.")) {
					p.Report(np, field.ErrorTypeInvalid, s.Name, "IPC sysctls may not be specified when hostIPC is true: they would change the node's IPC namespace", "")
				}
			}
			checkSeccomp(p, sc.SeccompProfile, sp.Child("seccompProfile"))
			checkAppArmor(p, sc.AppArmorProfile, sp.Child("appArmorProfile"))
			if f := sc.FSGroupChangePolicy; f != nil && *f != corev1.FSGroupChangeOnRootMismatch && *f != corev1.FSGroupChangeAlways {
				notSupported(p, sp.Child("fsGroupChangePolicy"), string(*f), "fsGroupChangePolicy", []string{"Always", "OnRootMismatch"})
			}
			if g := sc.SupplementalGroupsPolicy; g != nil && *g != corev1.SupplementalGroupsPolicyMerge && *g != corev1.SupplementalGroupsPolicyStrict {
				notSupported(p, sp.Child("supplementalGroupsPolicy"), string(*g), "supplementalGroupsPolicy", []string{"Merge", "Strict"})
			}
		}
		for _, c := range containers(p) {
			sc := c.SecurityContext
			if sc == nil {
				continue
			}
			sp := c.Path.Child("securityContext")
			checkID(p, sc.RunAsUser, sp.Child("runAsUser"))
			checkID(p, sc.RunAsGroup, sp.Child("runAsGroup"))
			checkSeccomp(p, sc.SeccompProfile, sp.Child("seccompProfile"))
			checkAppArmor(p, sc.AppArmorProfile, sp.Child("appArmorProfile"))
			if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
				if sc.Privileged != nil && *sc.Privileged {
					p.Report(sp, field.ErrorTypeInvalid, nil, "cannot set allowPrivilegeEscalation to false and privileged to true: a privileged container always can escalate", "Drop one of the two settings.")
				}
				if sc.Capabilities != nil {
					for _, c := range sc.Capabilities.Add {
						if c == "CAP_SYS_ADMIN" {
							p.Report(sp, field.ErrorTypeInvalid, nil, "cannot set allowPrivilegeEscalation to false and add CAP_SYS_ADMIN", "")
						}
					}
				}
			}
			if pm := sc.ProcMount; pm != nil {
				switch *pm {
				case corev1.DefaultProcMount:
				case corev1.UnmaskedProcMount:
					if spec.HostUsers == nil || *spec.HostUsers {
						p.Report(sp.Child("procMount"), field.ErrorTypeInvalid, string(*pm), "procMount Unmasked needs hostUsers: false", "")
					}
				default:
					notSupported(p, sp.Child("procMount"), string(*pm), "procMount", []string{"Default", "Unmasked"})
				}
			}
		}
	},
}

func checkID(p *lint.Pass, id *int64, path *field.Path) {
	if id == nil {
		return
	}
	if msgs := validation.IsValidUserID(*id); len(msgs) > 0 {
		p.Report(path, field.ErrorTypeInvalid, *id, fmt.Sprintf("%d %s", *id, strings.Join(msgs, "; ")), "")
	}
}

func checkSeccomp(p *lint.Pass, sp *corev1.SeccompProfile, path *field.Path) {
	if sp == nil {
		return
	}
	switch sp.Type {
	case corev1.SeccompProfileTypeRuntimeDefault, corev1.SeccompProfileTypeUnconfined, corev1.SeccompProfileTypeLocalhost:
	case "":
		p.Report(path.Child("type"), field.ErrorTypeRequired, nil, "seccompProfile needs a type", "Set type: RuntimeDefault.")
	default:
		notSupported(p, path.Child("type"), string(sp.Type), "seccompProfile type", []string{"Localhost", "RuntimeDefault", "Unconfined"})
	}
	if sp.Type == corev1.SeccompProfileTypeLocalhost {
		if sp.LocalhostProfile == nil {
			p.Report(path.Child("localhostProfile"), field.ErrorTypeRequired, nil, "localhostProfile must be set when the seccomp type is Localhost", "")
		} else {
			checkLocalPath(*sp.LocalhostProfile, path.Child("localhostProfile"), false, func(pp *field.Path, typ field.ErrorType, bad any, msg, hint string) {
				p.Report(pp, typ, bad, msg, hint)
			})
		}
	} else if sp.LocalhostProfile != nil {
		p.Report(path.Child("localhostProfile"), field.ErrorTypeInvalid, *sp.LocalhostProfile, "localhostProfile can only be set when the seccomp type is Localhost", "")
	}
}

func checkAppArmor(p *lint.Pass, ap *corev1.AppArmorProfile, path *field.Path) {
	if ap == nil {
		return
	}
	switch ap.Type {
	case corev1.AppArmorProfileTypeLocalhost:
		if ap.LocalhostProfile == nil || strings.TrimSpace(*ap.LocalhostProfile) == "" {
			p.Report(path.Child("localhostProfile"), field.ErrorTypeRequired, nil, "localhostProfile must be set when the AppArmor type is Localhost", "")
		} else if strings.TrimSpace(*ap.LocalhostProfile) != *ap.LocalhostProfile {
			p.Report(path.Child("localhostProfile"), field.ErrorTypeInvalid, *ap.LocalhostProfile, "localhostProfile must not be padded with whitespace", "")
		}
	case corev1.AppArmorProfileTypeRuntimeDefault, corev1.AppArmorProfileTypeUnconfined:
		if ap.LocalhostProfile != nil {
			p.Report(path.Child("localhostProfile"), field.ErrorTypeInvalid, *ap.LocalhostProfile, "localhostProfile can only be set when the AppArmor type is Localhost", "")
		}
	case "":
		p.Report(path.Child("type"), field.ErrorTypeRequired, nil, "appArmorProfile needs a type", "Set type: RuntimeDefault.")
	default:
		notSupported(p, path.Child("type"), string(ap.Type), "appArmorProfile type", []string{"Localhost", "RuntimeDefault", "Unconfined"})
	}
}
