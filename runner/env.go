package runner

import (
	"fmt"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
)

// podIP is the Pod's (and the node's) IP: Pods get loopback networking only.
const podIP = "127.0.0.1"

// EnvSources are the ConfigMaps and Secrets a Pod's env and envFrom may refer
// to: those given with the Pod (its namespace only, as in the API).
type EnvSources struct {
	ConfigMaps map[string]*v1.ConfigMap
	Secrets    map[string]*v1.Secret
}

// ConfigError is a container configuration the kubelet cannot build (a
// required ConfigMap, Secret or key missing): the container waits with reason
// CreateContainerConfigError.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

func configErrorf(format string, args ...any) error {
	return &ConfigError{Msg: fmt.Sprintf(format, args...)}
}

// secretData is a Secret's data with stringData merged over it, as the API
// server stores it: input files often use stringData.
func secretData(s *v1.Secret) map[string]string {
	out := map[string]string{}
	for k, v := range s.Data {
		out[k] = string(v)
	}
	for k, v := range s.StringData {
		out[k] = v
	}
	return out
}

// envFromSources returns the variables of c's envFrom, in the order the
// kubelet applies them (later sources override earlier ones; keys in each
// source sorted for a stable environment).
func envFromSources(pod *v1.Pod, c *v1.Container, src *EnvSources) ([][2]string, error) {
	var out [][2]string
	add := func(prefix string, data map[string]string) {
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, [2]string{prefix + k, data[k]})
		}
	}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			cm := src.ConfigMaps[ef.ConfigMapRef.Name]
			if cm == nil {
				if optional(ef.ConfigMapRef.Optional) {
					continue
				}
				return nil, configErrorf("configmap %q not found", ef.ConfigMapRef.Name)
			}
			add(ef.Prefix, cm.Data)
		case ef.SecretRef != nil:
			s := src.Secrets[ef.SecretRef.Name]
			if s == nil {
				if optional(ef.SecretRef.Optional) {
					continue
				}
				return nil, configErrorf("secret %q not found", ef.SecretRef.Name)
			}
			add(ef.Prefix, secretData(s))
		}
	}
	return out, nil
}

func optional(b *bool) bool { return b != nil && *b }

// valueFrom resolves one env var's valueFrom as the kubelet's makeEnvironment
// does; ok is false when an optional source or key is missing (the variable
// is then left out).
func valueFrom(pod *v1.Pod, c *v1.Container, vf *v1.EnvVarSource, src *EnvSources, status *v1.PodStatus) (val string, ok bool, err error) {
	switch {
	case vf.FieldRef != nil:
		v, err := podField(pod, vf.FieldRef.FieldPath, status)
		return v, err == nil, err
	case vf.ConfigMapKeyRef != nil:
		ref := vf.ConfigMapKeyRef
		cm := src.ConfigMaps[ref.Name]
		if cm == nil {
			if optional(ref.Optional) {
				return "", false, nil
			}
			return "", false, configErrorf("configmap %q not found", ref.Name)
		}
		v, found := cm.Data[ref.Key]
		if !found {
			if optional(ref.Optional) {
				return "", false, nil
			}
			return "", false, configErrorf("couldn't find key %s in ConfigMap %s/%s", ref.Key, pod.Namespace, ref.Name)
		}
		return v, true, nil
	case vf.SecretKeyRef != nil:
		ref := vf.SecretKeyRef
		s := src.Secrets[ref.Name]
		if s == nil {
			if optional(ref.Optional) {
				return "", false, nil
			}
			return "", false, configErrorf("secret %q not found", ref.Name)
		}
		v, found := secretData(s)[ref.Key]
		if !found {
			if optional(ref.Optional) {
				return "", false, nil
			}
			return "", false, configErrorf("couldn't find key %s in Secret %s/%s", ref.Key, pod.Namespace, ref.Name)
		}
		return v, true, nil
	case vf.ResourceFieldRef != nil:
		ref := *vf.ResourceFieldRef
		if ref.ContainerName == "" {
			ref.ContainerName = c.Name // env's resourceFieldRef defaults to its own container
		}
		v, err := resourceField(pod, &ref)
		if err != nil {
			return "", false, configErrorf("%v", err)
		}
		return v, true, nil
	}
	return "", false, configErrorf("env valueFrom with no source")
}

// podField is the downward API's value of a fieldRef path
// (pkg/kubelet's podFieldSelectorRuntimeValue and fieldpath.ExtractFieldPathAsString).
func podField(pod *v1.Pod, path string, status *v1.PodStatus) (string, error) {
	if v, ok := metadataField(pod, path); ok {
		return v, nil
	}
	switch path {
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP":
		return status.PodIP, nil
	case "status.hostIP":
		return status.HostIP, nil
	case "status.podIPs":
		ips := make([]string, len(status.PodIPs))
		for i, ip := range status.PodIPs {
			ips[i] = ip.IP
		}
		return strings.Join(ips, ","), nil
	case "status.hostIPs":
		ips := make([]string, len(status.HostIPs))
		for i, ip := range status.HostIPs {
			ips[i] = ip.IP
		}
		return strings.Join(ips, ","), nil
	}
	return "", configErrorf("unsupported fieldRef fieldPath %q", path)
}

// metadataField is the value of the metadata paths that env and downwardAPI
// volumes share: one label or annotation, the name, namespace and UID.
func metadataField(pod *v1.Pod, path string) (string, bool) {
	if k, ok := subscript(path, "metadata.labels"); ok {
		return pod.Labels[k], true
	}
	if k, ok := subscript(path, "metadata.annotations"); ok {
		return pod.Annotations[k], true
	}
	switch path {
	case "metadata.name":
		return pod.Name, true
	case "metadata.namespace":
		return pod.Namespace, true
	case "metadata.uid":
		return string(pod.UID), true
	}
	return "", false
}

// subscript parses path as prefix['key'].
func subscript(path, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(path, prefix+"['")
	if !ok || !strings.HasSuffix(rest, "']") {
		return "", false
	}
	return strings.TrimSuffix(rest, "']"), true
}
