package rules

import (
	"fmt"
	"strings"

	"github.com/podlint/podlint/lint"
)

var duplicateEnvVar = &lint.Rule{
	ID:       "duplicate-env-var",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "Environment variable defined twice in one container",
	Doc: "When a container's env list names a variable twice, the container sees the last definition, and the API server accepts it with " +
		"a warning. The earlier value is easy to miss when reading the manifest, and `kubectl apply` merges env entries by name, so the " +
		"duplicate can be dropped from the live object on the next apply. A later entry that extends the earlier one " +
		"(PATH then PATH=\"$(PATH):/opt/bin\") is the one accepted pattern and is not reported.",
	Remediation: "Keep one definition of the variable.",
	Fields:      []string{"containers[*].env[*].name"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			seen := map[string]bool{}
			for j := range c.Env {
				e := &c.Env[j]
				if !seen[e.Name] {
					seen[e.Name] = true
					continue
				}
				// The API server's test: a later plain value that refers to the earlier one extends it.
				ref := "$(" + e.Name + ")"
				if e.ValueFrom == nil && e.Value != ref && strings.Contains(e.Value, ref) {
					continue
				}
				p.Report(c.Path.Child("env").Index(j).Child("name"), "", e.Name,
					fmt.Sprintf("env var %q is defined again in container %q: this definition hides the earlier one, and kubectl apply may drop one of them", e.Name, c.Name), "")
			}
		}
	},
}
