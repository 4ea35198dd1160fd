package runner

import (
	"errors"
	"fmt"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ErrRefused wraps the reasons a Pod cannot run in the rootless sandbox.
var ErrRefused = errors.New("refused")

// Refusals lists what the sandbox will not run, with the field responsible:
// host namespaces, privileged containers and hostPath volumes would give the
// Pod the host, which a rootless local sandbox never does; volumes other than
// emptyDir, configMap, secret, downwardAPI and projected, and the projections
// only an API server can fill (cluster trust bundles, Pod certificates), have
// nothing to be backed by. Ids other than root (runAsUser, runAsGroup,
// supplementalGroups, fsGroup, an image's USER) are not refused here: they
// need the invoking user's subordinate id range, which Start checks
// (ErrNoSubordinateIDs).
func Refusals(pod *v1.Pod) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	if pod.Spec.HostNetwork {
		errs = append(errs, field.Forbidden(spec.Child("hostNetwork"), "podlint run gives Pods a private network namespace only"))
	}
	if pod.Spec.HostPID {
		errs = append(errs, field.Forbidden(spec.Child("hostPID"), "podlint run never shares the host's process namespace"))
	}
	if pod.Spec.HostIPC {
		errs = append(errs, field.Forbidden(spec.Child("hostIPC"), "podlint run never shares the host's IPC namespace"))
	}
	for i, v := range pod.Spec.Volumes {
		p := spec.Child("volumes").Index(i)
		switch {
		case v.HostPath != nil:
			errs = append(errs, field.Forbidden(p.Child("hostPath"), "podlint run does not mount host directories"))
		case v.Projected != nil:
			for j, src := range v.Projected.Sources {
				// Both need the API server: a signer's bundles, a certificate
				// signed for the Pod.
				sp := p.Child("projected", "sources").Index(j)
				if src.ClusterTrustBundle != nil {
					errs = append(errs, field.Forbidden(sp.Child("clusterTrustBundle"), "podlint run has no API server to read ClusterTrustBundles from"))
				}
				if src.PodCertificate != nil {
					errs = append(errs, field.Forbidden(sp.Child("podCertificate"), "podlint run has no API server to issue Pod certificates"))
				}
			}
		case v.EmptyDir == nil && !noSource(v) && !isAPIDataVolume(&v):
			errs = append(errs, field.NotSupported(p, v.Name, []string{"emptyDir", "configMap", "secret", "downwardAPI", "projected"}))
		}
	}
	check := func(p *field.Path, c *v1.Container) {
		if sc := c.SecurityContext; sc != nil && sc.Privileged != nil && *sc.Privileged {
			errs = append(errs, field.Forbidden(p.Child("securityContext", "privileged"), "podlint run containers are never privileged"))
		}
	}
	for i := range pod.Spec.InitContainers {
		check(spec.Child("initContainers").Index(i), &pod.Spec.InitContainers[i])
	}
	for i := range pod.Spec.Containers {
		check(spec.Child("containers").Index(i), &pod.Spec.Containers[i])
	}
	return errs
}

// noSource reports a volume without a source, which the API server defaults to
// an emptyDir.
func noSource(v v1.Volume) bool {
	return v.VolumeSource == (v1.VolumeSource{})
}

// sharePID reports whether the Pod's containers share one process namespace.
func sharePID(pod *v1.Pod) bool {
	return pod.Spec.ShareProcessNamespace != nil && *pod.Spec.ShareProcessNamespace
}

// isSidecar reports whether an init container is a sidecar (restartPolicy Always).
func isSidecar(c *v1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
}

// containerEnv builds c's environment as the kubelet does: PATH, the image's
// env and HOSTNAME (the sandbox's hostname, as containerd sets it), then
// envFrom, then env (later wins); without HOME, the
// runtime (runc) adds the user's home from the image's /etc/passwd. Values may
// refer to earlier variables as $(VAR); valueFrom values are taken as they
// are. status gives the Pod's IPs to the downward API. A missing required
// ConfigMap, Secret or key is a *ConfigError.
func containerEnv(pod *v1.Pod, c *v1.Container, image []string, hostname string, src *EnvSources, status *v1.PodStatus) ([]string, error) {
	if src == nil {
		src = &EnvSources{}
	}
	var names []string
	vals := map[string]string{}
	set := func(k, v string) {
		if _, ok := vals[k]; !ok {
			names = append(names, k)
		}
		vals[k] = v
	}
	set("PATH", defaultPath)
	for _, kv := range image {
		if k, v, ok := strings.Cut(kv, "="); ok {
			set(k, v)
		}
	}
	set("HOSTNAME", hostname)
	// seen is what $(VAR) may refer to: the Pod's own variables (envFrom and
	// the env entries before), not the image's.
	seen := map[string]string{}
	from, err := envFromSources(pod, c, src)
	if err != nil {
		return nil, err
	}
	for _, kv := range from {
		seen[kv[0]] = kv[1]
		set(kv[0], kv[1])
	}
	for _, e := range c.Env {
		v := expand(e.Value, seen)
		if e.ValueFrom != nil {
			var ok bool
			if v, ok, err = valueFrom(pod, c, e.ValueFrom, src, status); err != nil {
				return nil, err
			} else if !ok {
				continue
			}
		}
		seen[e.Name] = v
		set(e.Name, v)
	}
	env := make([]string, len(names))
	for i, k := range names {
		env[i] = k + "=" + vals[k]
	}
	return env, nil
}

// containerArgs combines the container's command and args with the image's
// entrypoint and cmd as Kubernetes defines: command replaces the entrypoint
// (and drops cmd), args replace cmd.
func containerArgs(c *v1.Container, img ImageConfig) []string {
	switch {
	case len(c.Command) > 0:
		return append(append([]string(nil), c.Command...), c.Args...)
	case len(c.Args) > 0:
		return append(append([]string(nil), img.Entrypoint...), c.Args...)
	default:
		return append(append([]string(nil), img.Entrypoint...), img.Cmd...)
	}
}

// expand replaces $(VAR) references with values from env, as the kubelet does
// for command, args and env (see expandRefs).
func expand(s string, env map[string]string) string {
	return expandRefs(s, func(name string) (string, bool) { v, ok := env[name]; return v, ok })
}

func expandArgs(args, env []string) []string {
	m := map[string]string{}
	for _, kv := range env {
		if i := strings.IndexByte(kv, '='); i > 0 {
			m[kv[:i]] = kv[i+1:]
		}
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = expand(a, m)
	}
	return out
}

// refusalError formats a refusal list as one error.
func refusalError(errs field.ErrorList) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%w: %s", ErrRefused, strings.Join(msgs, "; "))
}

// willRestart reports whether the kubelet restarts a container that exited
// with exit: sidecars always; then the container's restartPolicyRules (first
// match wins), its own restartPolicy, and the Pod's restartPolicy, as the
// ContainerRestartRules gate (on in 1.37) defines. RestartAllContainers is
// treated as restarting this container only.
func willRestart(spec *v1.PodSpec, c *v1.Container, init bool, exit int32) bool {
	if init && isSidecar(c) {
		return true
	}
	if init && exit == 0 {
		return false // a completed init container is done
	}
	for _, r := range c.RestartPolicyRules {
		if r.ExitCodes == nil {
			continue
		}
		in := false
		for _, v := range r.ExitCodes.Values {
			in = in || v == exit
		}
		if (r.ExitCodes.Operator == v1.ContainerRestartRuleOnExitCodesOpIn) == in {
			return true
		}
	}
	policy := v1.RestartPolicy(spec.RestartPolicy)
	if c.RestartPolicy != nil {
		policy = v1.RestartPolicy(*c.RestartPolicy)
	}
	switch policy {
	case v1.RestartPolicyNever:
		return false
	case v1.RestartPolicyOnFailure:
		return exit != 0
	default:
		return true
	}
}
