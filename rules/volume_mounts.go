package rules

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var volumeMounts = &lint.Rule{
	ID:       "volume-mounts",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Volume mounts need a volume name, a mount path and a relative subPath",
	Doc: "Each volumeMount names the volume to mount and the mountPath inside the container, both required. subPath (or subPathExpr, " +
		"never both) selects a directory inside the volume, so it must be a relative path that does not climb out with '..'. " +
		"mountPropagation is None, HostToContainer or Bidirectional, and Bidirectional needs a privileged container. recursiveReadOnly " +
		"(Disabled, IfPossible, Enabled) needs readOnly: true. The API server reports subPath and subPathExpr errors on the container's " +
		"volumeMounts list (without the index of the mount), and podlint reports them at the same path.",
	Remediation: "Name the volume, set an absolute mountPath and a relative subPath without '..'.",
	Fields:      []string{"containers[*].volumeMounts[*]", "initContainers[*].volumeMounts[*]"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			list := c.Path.Child("volumeMounts")
			for j, m := range c.VolumeMounts {
				mp := list.Index(j)
				if m.Name == "" {
					p.Report(mp.Child("name"), field.ErrorTypeRequired, nil, "volumeMount needs the name of the volume to mount", "")
				}
				if m.MountPath == "" {
					p.Report(mp.Child("mountPath"), field.ErrorTypeRequired, nil, "volumeMount needs the mountPath inside the container", "")
				}
				rep := func(path *field.Path, typ field.ErrorType, bad any, msg, hint string) {
					p.Report(path, typ, bad, msg, hint)
				}
				if m.SubPath != "" {
					checkLocalPath(m.SubPath, list.Child("subPath"), false, rep)
				}
				if m.SubPathExpr != "" {
					if m.SubPath != "" {
						p.Report(mp.Child("subPathExpr"), field.ErrorTypeInvalid, m.SubPathExpr, "subPathExpr and subPath are mutually exclusive", "Keep one of them.")
					}
					checkLocalPath(m.SubPathExpr, list.Child("subPathExpr"), false, rep)
				}
				if mpr := m.MountPropagation; mpr != nil {
					pp := list.Child("mountPropagation")
					switch *mpr {
					case corev1.MountPropagationNone, corev1.MountPropagationHostToContainer:
					case corev1.MountPropagationBidirectional:
						if c.Kind != ephemeralContainer && (c.SecurityContext == nil || c.SecurityContext.Privileged == nil || !*c.SecurityContext.Privileged) {
							p.Report(pp, field.ErrorTypeForbidden, nil, "Bidirectional mount propagation is available only to privileged containers", "Use HostToContainer, or make the container privileged.")
						}
					default:
						notSupported(p, pp, string(*mpr), "mountPropagation", []string{"Bidirectional", "HostToContainer", "None"})
					}
				}
				if rro := m.RecursiveReadOnly; rro != nil {
					rp := list.Child("recursiveReadOnly")
					switch *rro {
					case corev1.RecursiveReadOnlyDisabled:
					case corev1.RecursiveReadOnlyEnabled, corev1.RecursiveReadOnlyIfPossible:
						if !m.ReadOnly {
							p.Report(rp, field.ErrorTypeForbidden, nil, fmt.Sprintf("recursiveReadOnly %s may only be specified when readOnly is true", *rro), "Set readOnly: true.")
						}
						if m.MountPropagation != nil && *m.MountPropagation != corev1.MountPropagationNone {
							p.Report(rp, field.ErrorTypeForbidden, nil, "recursiveReadOnly may only be specified when mountPropagation is None or not specified", "")
						}
					default:
						notSupported(p, rp, string(*rro), "recursiveReadOnly", []string{"Disabled", "Enabled", "IfPossible"})
					}
				}
			}
		}
	},
}
