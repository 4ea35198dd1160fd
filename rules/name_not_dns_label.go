package rules

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/podlint/podlint/lint"
)

var nameNotDNSLabel = &lint.Rule{
	ID:       "name-not-dns-label",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "Name is used in hostnames but is not a DNS label",
	Doc: "A Pod's name becomes its hostname, and Deployments, ReplicaSets, ReplicationControllers, Jobs and CronJobs put their name into " +
		"the names (and so the hostnames) of their Pods. The API server accepts names that are DNS subdomains (with dots, up to 253 " +
		"characters) but warns unless the name is a DNS label (at most 63 lower-case alphanumerics and '-'): a dotted name makes a hostname " +
		"that looks like a domain, and the kernel truncates hostnames at 64 characters. StatefulSet and DaemonSet names are not checked, as " +
		"the API server does not warn about them.",
	Remediation: "Use a name of at most 63 lower-case letters, digits and '-'.",
	Fields:      []string{"metadata.name"},
	Check: func(p *lint.Pass) {
		obj := p.Object
		switch obj.Ref.Kind {
		case "Pod", "Deployment", "ReplicaSet", "ReplicationController", "Job", "CronJob":
		default:
			return
		}
		if obj.Meta == nil || obj.Meta.Name == "" || len(validation.IsDNS1123Subdomain(obj.Meta.Name)) > 0 {
			return // no name, or one validation rejects (object-metadata)
		}
		if msgs := validation.IsDNS1123Label(obj.Meta.Name); len(msgs) > 0 {
			p.Report(obj.Path("metadata", "name"), "", obj.Meta.Name,
				fmt.Sprintf("name %q is used in hostnames but is not a DNS label: %s", obj.Meta.Name, strings.Join(msgs, "; ")), "")
		}
	},
}
