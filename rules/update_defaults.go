package rules

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Update rules compare what the API server would hold before and after the
// update, not the text of two files. The model is `kubectl apply`: the live
// object is the old manifest with the API server's defaults filled in, and the
// new manifest is patched onto it, so
//   - a field left out of both manifests keeps its live value: never a change,
//     even when its default depends on another field that changed (an untagged
//     image turned into a tagged one keeps imagePullPolicy Always);
//   - a field written in one manifest only compares with the default the API
//     server gives it: writing `dnsPolicy: ClusterFirst` changes nothing.
// The functions below fill in the defaults (pkg/apis/core/v1/defaults.go) that
// a pod spec can differ by; fields the API server never defaults are compared
// as written.

// defaultedPodSpecs returns defaulted copies of an old and a new pod spec.
// isPod adds the defaults only Pods get (SetDefaults_Pod), not templates.
func defaultedPodSpecs(old, new *corev1.PodSpec, isPod bool) (*corev1.PodSpec, *corev1.PodSpec) {
	o, n := old.DeepCopy(), new.DeepCopy()
	pullPolicies(o.InitContainers, n.InitContainers)
	pullPolicies(o.Containers, n.Containers)
	for _, s := range []*corev1.PodSpec{o, n} {
		defaultPodSpec(s, isPod)
	}
	return o, n
}

// pullPolicies fills in imagePullPolicy where one manifest sets it and the other
// leaves it out; left out of both, it keeps its live value.
func pullPolicies(old, new []corev1.Container) {
	for i := range min(len(old), len(new)) {
		o, n := &old[i], &new[i]
		switch {
		case o.ImagePullPolicy == "" && n.ImagePullPolicy == "":
			o.ImagePullPolicy = defaultPullPolicy(o.Image)
			n.ImagePullPolicy = o.ImagePullPolicy
		case o.ImagePullPolicy == "":
			o.ImagePullPolicy = defaultPullPolicy(o.Image)
		case n.ImagePullPolicy == "":
			// The patch deletes the field, then defaulting recomputes it from the new image.
			n.ImagePullPolicy = defaultPullPolicy(n.Image)
		}
	}
	for _, list := range [][]corev1.Container{old, new} {
		for i := min(len(old), len(new)); i < len(list); i++ {
			if list[i].ImagePullPolicy == "" {
				list[i].ImagePullPolicy = defaultPullPolicy(list[i].Image)
			}
		}
	}
}

// defaultPullPolicy is SetDefaults_Container's: Always for the latest tag (an
// image with neither tag nor digest is latest), IfNotPresent otherwise.
func defaultPullPolicy(image string) corev1.PullPolicy {
	if imageTag(image) == "latest" {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

// imageTag returns an image reference's tag, "latest" when it has neither tag nor digest.
func imageTag(image string) string {
	name, digest, _ := strings.Cut(image, "@")
	last := name[strings.LastIndex(name, "/")+1:]
	if _, tag, ok := strings.Cut(last, ":"); ok {
		return tag
	}
	if digest != "" {
		return ""
	}
	return "latest"
}

func defaultPodSpec(s *corev1.PodSpec, isPod bool) {
	if s.ServiceAccountName == "" {
		s.ServiceAccountName = s.DeprecatedServiceAccount
	}
	s.DeprecatedServiceAccount = s.ServiceAccountName
	if s.DNSPolicy == "" {
		s.DNSPolicy = corev1.DNSClusterFirst
	}
	if s.RestartPolicy == "" {
		s.RestartPolicy = corev1.RestartPolicyAlways
	}
	if s.SecurityContext == nil {
		s.SecurityContext = &corev1.PodSecurityContext{}
	}
	if s.TerminationGracePeriodSeconds == nil {
		s.TerminationGracePeriodSeconds = ptrTo(int64(corev1.DefaultTerminationGracePeriodSeconds))
	}
	if s.SchedulerName == "" {
		s.SchedulerName = corev1.DefaultSchedulerName
	}
	for i := range s.Volumes {
		defaultVolume(&s.Volumes[i])
	}
	for i := range s.InitContainers {
		defaultContainer(&s.InitContainers[i])
	}
	for i := range s.Containers {
		defaultContainer(&s.Containers[i])
	}
	for i := range s.EphemeralContainers {
		defaultContainer((*corev1.Container)(&s.EphemeralContainers[i].EphemeralContainerCommon))
	}
	if !isPod {
		return
	}
	if s.TerminationGracePeriodSeconds != nil && *s.TerminationGracePeriodSeconds < 0 {
		s.TerminationGracePeriodSeconds = ptrTo(int64(1))
	}
	if s.EnableServiceLinks == nil {
		s.EnableServiceLinks = ptrTo(corev1.DefaultEnableServiceLinks)
	}
	for _, list := range [][]corev1.Container{s.InitContainers, s.Containers} {
		for i := range list {
			requestsFromLimits(&list[i].Resources)
		}
	}
	if s.HostNetwork {
		for _, list := range [][]corev1.Container{s.InitContainers, s.Containers} {
			for i := range list {
				for j := range list[i].Ports {
					if p := &list[i].Ports[j]; p.HostPort == 0 {
						p.HostPort = p.ContainerPort
					}
				}
			}
		}
	}
}

// requestsFromLimits is SetDefaults_Pod's: a resource with a limit and no
// request gets the limit as its request.
func requestsFromLimits(r *corev1.ResourceRequirements) {
	if r.Limits == nil {
		return
	}
	if r.Requests == nil {
		r.Requests = corev1.ResourceList{}
	}
	for k, v := range r.Limits {
		if _, ok := r.Requests[k]; !ok {
			r.Requests[k] = v.DeepCopy()
		}
	}
}

func defaultContainer(c *corev1.Container) {
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = defaultPullPolicy(c.Image)
	}
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = corev1.TerminationMessagePathDefault
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = corev1.ProtocolTCP
		}
	}
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		if p == nil {
			continue
		}
		if p.TimeoutSeconds == 0 {
			p.TimeoutSeconds = 1
		}
		if p.PeriodSeconds == 0 {
			p.PeriodSeconds = 10
		}
		if p.SuccessThreshold == 0 {
			p.SuccessThreshold = 1
		}
		if p.FailureThreshold == 0 {
			p.FailureThreshold = 3
		}
		defaultHTTPGet(p.HTTPGet)
	}
	if c.Lifecycle != nil {
		for _, h := range []*corev1.LifecycleHandler{c.Lifecycle.PostStart, c.Lifecycle.PreStop} {
			if h != nil {
				defaultHTTPGet(h.HTTPGet)
			}
		}
	}
	for i := range c.Env {
		if vf := c.Env[i].ValueFrom; vf != nil && vf.FieldRef != nil && vf.FieldRef.APIVersion == "" {
			vf.FieldRef.APIVersion = "v1"
		}
	}
}

func defaultHTTPGet(h *corev1.HTTPGetAction) {
	if h == nil {
		return
	}
	if h.Path == "" {
		h.Path = "/"
	}
	if h.Scheme == "" {
		h.Scheme = corev1.URISchemeHTTP
	}
}

func defaultVolume(v *corev1.Volume) {
	s := &v.VolumeSource
	if *s == (corev1.VolumeSource{}) {
		s.EmptyDir = &corev1.EmptyDirVolumeSource{}
	}
	switch {
	case s.Secret != nil && s.Secret.DefaultMode == nil:
		s.Secret.DefaultMode = ptrTo(corev1.SecretVolumeSourceDefaultMode)
	case s.ConfigMap != nil && s.ConfigMap.DefaultMode == nil:
		s.ConfigMap.DefaultMode = ptrTo(corev1.ConfigMapVolumeSourceDefaultMode)
	case s.DownwardAPI != nil && s.DownwardAPI.DefaultMode == nil:
		s.DownwardAPI.DefaultMode = ptrTo(corev1.DownwardAPIVolumeSourceDefaultMode)
	case s.HostPath != nil && s.HostPath.Type == nil:
		s.HostPath.Type = ptrTo(corev1.HostPathUnset)
	}
	if s.Projected != nil {
		if s.Projected.DefaultMode == nil {
			s.Projected.DefaultMode = ptrTo(corev1.ProjectedVolumeSourceDefaultMode)
		}
		for i := range s.Projected.Sources {
			if t := s.Projected.Sources[i].ServiceAccountToken; t != nil && t.ExpirationSeconds == nil {
				t.ExpirationSeconds = ptrTo(int64(3600))
			}
		}
	}
	if s.DownwardAPI != nil {
		for i := range s.DownwardAPI.Items {
			if fr := s.DownwardAPI.Items[i].FieldRef; fr != nil && fr.APIVersion == "" {
				fr.APIVersion = "v1"
			}
		}
	}
}

func ptrTo[T any](v T) *T { return &v }
