package rules

import (
	"path"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

// hooksAndProbesAllowed reports whether a container may carry probes and lifecycle
// hooks, so that the API server validates them: app containers and sidecars. On a
// regular init container or an ephemeral container those fields are forbidden
// outright and their content is never looked at.
func hooksAndProbesAllowed(c container) bool {
	return c.Kind == appContainer || c.Kind == sidecarContainer
}

// eachProbe calls fn for every probe the API server validates: the set probes of
// app containers and sidecars (elsewhere probes are forbidden outright, which
// init-container-probe reports). path is the probe's own field path.
func eachProbe(p *lint.Pass, fn func(c container, name string, probe *corev1.Probe, path *field.Path)) {
	for _, c := range containers(p) {
		if !hooksAndProbesAllowed(c) {
			continue
		}
		for _, pr := range probes(c.Container) {
			if pr.Probe != nil {
				fn(c, pr.Name, pr.Probe, c.Path.Child(pr.Name))
			}
		}
	}
}

// hook is one lifecycle handler of a container with its field name.
type hook struct {
	Name    string
	Handler *corev1.LifecycleHandler
}

// hooks returns a container's postStart and preStop handlers that are set.
func hooks(c *corev1.Container) []hook {
	if c.Lifecycle == nil {
		return nil
	}
	var out []hook
	if c.Lifecycle.PostStart != nil {
		out = append(out, hook{"postStart", c.Lifecycle.PostStart})
	}
	if c.Lifecycle.PreStop != nil {
		out = append(out, hook{"preStop", c.Lifecycle.PreStop})
	}
	return out
}

// validationGracePeriod returns the grace period the API server checks sleep hooks
// against: terminationGracePeriodSeconds after defaulting (30 when unset). Unlike
// gracePeriod, a negative value stays negative: validation sees the stored value.
func validationGracePeriod(spec *corev1.PodSpec) int64 {
	if spec.TerminationGracePeriodSeconds == nil {
		return corev1.DefaultTerminationGracePeriodSeconds
	}
	return *spec.TerminationGracePeriodSeconds
}

// imageName returns the last component of an image's repository, lower-cased and
// without registry, tag or digest: "docker.io/bitnami/postgresql:16" gives "postgresql".
func imageName(image string) string {
	image, _, _ = strings.Cut(strings.TrimSpace(image), "@")
	if i := strings.LastIndexByte(image, '/'); i >= 0 {
		image = image[i+1:]
	}
	image, _, _ = strings.Cut(image, ":")
	return strings.ToLower(image)
}

// shells are the interpreters whose -c argument is a script.
var shells = map[string]bool{"sh": true, "bash": true, "ash": true, "dash": true, "zsh": true, "ksh": true}

// shellScript returns the text a command line runs: the script of `sh -c SCRIPT`
// (also -ec, -xc, ...), or else the words joined by spaces.
func shellScript(argv []string) string {
	if len(argv) >= 3 && shells[path.Base(argv[0])] {
		for i := 1; i+1 < len(argv); i++ {
			if a := argv[i]; strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "c") {
				return argv[i+1]
			}
		}
	}
	return strings.Join(argv, " ")
}

// sleepInfinity matches `sleep infinity` (or `sleep inf`) as a command in a script.
var sleepInfinity = regexp.MustCompile(`(?:^|[\s;&|(/])sleep\s+(?:infinity|inf)(?:$|[\s;&|)])`)
