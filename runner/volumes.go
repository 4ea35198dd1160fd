package runner

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The API server's default file mode for configMap, secret, downwardAPI and
// projected volumes (v1.ConfigMapVolumeSourceDefaultMode and its siblings).
const defaultVolumeFileMode = 0o644

// placeholderToken is what a serviceAccountToken projection holds: podlint run
// has no API server to issue a token, and a file that looks like a JWT but
// is not one would mislead; the file exists so that Pods that merely mount
// it (as every Pod copied from a cluster does) start.
const placeholderToken = "podlint-run-placeholder-token: podlint run has no API server to issue service account tokens\n"

// volumeFile is one file of a configMap, secret, downwardAPI or projected
// volume: its path relative to the volume, content and mode.
type volumeFile struct {
	Path string
	Data []byte
	Mode os.FileMode
}

// MountError is a volume the kubelet cannot set up (a required ConfigMap,
// Secret or key missing): no container of the Pod starts, the Pod stays
// Pending with its containers waiting in ContainerCreating (PodInitializing
// with init containers), and the kubelet records FailedMount events.
type MountError struct {
	Volume string
	Msg    string
}

func (e *MountError) Error() string {
	return fmt.Sprintf("MountVolume.SetUp failed for volume %q : %s", e.Volume, e.Msg)
}

// isAPIDataVolume reports a volume the kubelet fills from API objects and
// always mounts read-only (configMap, secret, downwardAPI, projected).
func isAPIDataVolume(v *v1.Volume) bool {
	return v.ConfigMap != nil || v.Secret != nil || v.DownwardAPI != nil || v.Projected != nil
}

// volumePayload computes the files of an API-data volume as the kubelet's
// configmap, secret, downwardapi and projected volume plugins do (their
// MakePayload functions); a missing required source or key is a
// *MountError. token reports whether a serviceAccountToken projection was
// given its placeholder.
func volumePayload(pod *v1.Pod, v *v1.Volume, src *EnvSources) (files []volumeFile, token bool, err error) {
	if src == nil {
		src = &EnvSources{}
	}
	fail := func(format string, args ...any) error {
		return &MountError{Volume: v.Name, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case v.ConfigMap != nil:
		files, err = configMapFiles(v.ConfigMap.Name, v.ConfigMap.Items, v.ConfigMap.Optional, mode(v.ConfigMap.DefaultMode), src, fail)
	case v.Secret != nil:
		files, err = secretFiles(v.Secret.SecretName, v.Secret.Items, v.Secret.Optional, mode(v.Secret.DefaultMode), src, fail)
	case v.DownwardAPI != nil:
		files, err = downwardFiles(pod, v.DownwardAPI.Items, mode(v.DownwardAPI.DefaultMode), fail)
	case v.Projected != nil:
		def := mode(v.Projected.DefaultMode)
		for _, s := range v.Projected.Sources {
			var more []volumeFile
			switch {
			case s.ConfigMap != nil:
				more, err = configMapFiles(s.ConfigMap.Name, s.ConfigMap.Items, s.ConfigMap.Optional, def, src, fail)
			case s.Secret != nil:
				more, err = secretFiles(s.Secret.Name, s.Secret.Items, s.Secret.Optional, def, src, fail)
			case s.DownwardAPI != nil:
				more, err = downwardFiles(pod, s.DownwardAPI.Items, def, fail)
			case s.ServiceAccountToken != nil:
				token = true
				more = []volumeFile{{Path: s.ServiceAccountToken.Path, Data: []byte(placeholderToken), Mode: def}}
			default:
				err = fail("projected source not supported by podlint run")
			}
			if err != nil {
				return nil, token, err
			}
			files = append(files, more...)
		}
	default:
		return nil, false, fmt.Errorf("volume %q is not an API-data volume", v.Name)
	}
	if err != nil {
		return nil, token, err
	}
	for _, f := range files {
		if !safeVolumePath(f.Path) {
			return nil, token, fail("invalid path %q: must be relative, may not contain '..' nor start with '..'", f.Path)
		}
	}
	return files, token, nil
}

func mode(m *int32) os.FileMode {
	if m == nil {
		return defaultVolumeFileMode
	}
	return os.FileMode(*m) & os.ModePerm
}

func itemMode(m *int32, def os.FileMode) os.FileMode {
	if m == nil {
		return def
	}
	return os.FileMode(*m) & os.ModePerm
}

// safeVolumePath is the atomic writer's path check: relative, clean of "..",
// and not starting with ".." (its own "..data" and timestamp entries).
func safeVolumePath(p string) bool {
	if p == "" || path.IsAbs(p) || strings.HasPrefix(p, "..") {
		return false
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return false
		}
	}
	return true
}

// keyFiles maps keys to files: every key under its own name, or only the
// listed items, each missing key failing unless the source is optional.
func keyFiles(data map[string][]byte, items []v1.KeyToPath, optional bool, def os.FileMode, missing func(string) error) ([]volumeFile, error) {
	var files []volumeFile
	if len(items) == 0 {
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			files = append(files, volumeFile{Path: k, Data: data[k], Mode: def})
		}
		return files, nil
	}
	for _, it := range items {
		d, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return nil, missing(it.Key)
		}
		files = append(files, volumeFile{Path: it.Path, Data: d, Mode: itemMode(it.Mode, def)})
	}
	return files, nil
}

func configMapFiles(name string, items []v1.KeyToPath, opt *bool, def os.FileMode, src *EnvSources, fail func(string, ...any) error) ([]volumeFile, error) {
	cm := src.ConfigMaps[name]
	if cm == nil {
		if optional(opt) {
			return nil, nil
		}
		return nil, fail("configmap %q not found", name)
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return keyFiles(data, items, optional(opt), def, func(k string) error {
		return fail("configmap references non-existent config key: %s", k)
	})
}

func secretFiles(name string, items []v1.KeyToPath, opt *bool, def os.FileMode, src *EnvSources, fail func(string, ...any) error) ([]volumeFile, error) {
	s := src.Secrets[name]
	if s == nil {
		if optional(opt) {
			return nil, nil
		}
		return nil, fail("secret %q not found", name)
	}
	data := map[string][]byte{}
	for k, v := range secretData(s) {
		data[k] = []byte(v)
	}
	return keyFiles(data, items, optional(opt), def, func(k string) error {
		return fail("references non-existent secret key: %s", k)
	})
}

// downwardFiles is the downwardAPI volume plugin's payload: metadata fields
// (fieldpath.ExtractFieldPathAsString, labels and annotations formatted one
// key="value" per line, sorted) and container resources.
func downwardFiles(pod *v1.Pod, items []v1.DownwardAPIVolumeFile, def os.FileMode, fail func(string, ...any) error) ([]volumeFile, error) {
	var files []volumeFile
	for _, it := range items {
		var val string
		switch {
		case it.FieldRef != nil:
			v, err := volumeField(pod, it.FieldRef.FieldPath)
			if err != nil {
				return nil, fail("%v", err)
			}
			val = v
		case it.ResourceFieldRef != nil:
			v, err := resourceField(pod, it.ResourceFieldRef)
			if err != nil {
				return nil, fail("%v", err)
			}
			val = v
		default:
			return nil, fail("downwardAPI item %q has no source", it.Path)
		}
		files = append(files, volumeFile{Path: it.Path, Data: []byte(val), Mode: itemMode(it.Mode, def)})
	}
	return files, nil
}

// volumeField is fieldpath.ExtractFieldPathAsString for a Pod: what a
// downwardAPI volume can show (no status fields, unlike env).
func volumeField(pod *v1.Pod, p string) (string, error) {
	if v, ok := metadataField(pod, p); ok {
		return v, nil
	}
	switch p {
	case "metadata.labels":
		return formatMap(pod.Labels), nil
	case "metadata.annotations":
		return formatMap(pod.Annotations), nil
	}
	return "", fmt.Errorf("unsupported fieldPath: %v", p)
}

// formatMap is fieldpath.FormatMap.
func formatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%v=%q\n", k, m[k])
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// resourceField is the kubelet's containerResourceRuntimeValue: the named
// container's limits, with the node's allocatable CPU and memory standing in
// for unset limits (and requests defaulted from limits, as the API server
// does), divided by the divisor and rounded up.
func resourceField(pod *v1.Pod, fs *v1.ResourceFieldSelector) (string, error) {
	var c *v1.Container
	for _, list := range [][]v1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			if list[i].Name == fs.ContainerName {
				c = &list[i]
			}
		}
	}
	if c == nil {
		return "", fmt.Errorf("container %q not found in pod", fs.ContainerName)
	}
	divisor := fs.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	limit := func(name v1.ResourceName) (resource.Quantity, error) {
		if q, ok := c.Resources.Limits[name]; ok {
			return q, nil
		}
		return nodeAllocatable(name)
	}
	request := func(name v1.ResourceName) (resource.Quantity, error) {
		if q, ok := c.Resources.Requests[name]; ok {
			return q, nil
		}
		if q, ok := c.Resources.Limits[name]; ok {
			return q, nil
		}
		return resource.Quantity{}, nil
	}
	var q resource.Quantity
	var err error
	switch fs.Resource {
	case "limits.cpu":
		q, err = limit(v1.ResourceCPU)
	case "requests.cpu":
		q, err = request(v1.ResourceCPU)
	case "limits.memory":
		q, err = limit(v1.ResourceMemory)
	case "requests.memory":
		q, err = request(v1.ResourceMemory)
	case "limits.ephemeral-storage":
		q, err = limit(v1.ResourceEphemeralStorage)
	case "requests.ephemeral-storage":
		q, err = request(v1.ResourceEphemeralStorage)
	default:
		return "", fmt.Errorf("unsupported container resource : %v", fs.Resource)
	}
	if err != nil {
		return "", err
	}
	if strings.HasSuffix(fs.Resource, ".cpu") {
		return strconv.FormatInt(int64(math.Ceil(float64(q.MilliValue())/float64(divisor.MilliValue()))), 10), nil
	}
	return strconv.FormatInt(int64(math.Ceil(float64(q.Value())/float64(divisor.Value()))), 10), nil
}

// nodeAllocatable is the node's allocatable CPU and memory as a kubelet
// with no reservations reports them: the host's CPUs and MemTotal. podlint
// knows no ephemeral-storage capacity.
func nodeAllocatable(name v1.ResourceName) (resource.Quantity, error) {
	switch name {
	case v1.ResourceCPU:
		return *resource.NewQuantity(int64(runtime.NumCPU()), resource.DecimalSI), nil
	case v1.ResourceMemory:
		f, err := os.Open("/proc/meminfo")
		if err != nil {
			return resource.Quantity{}, fmt.Errorf("node memory unknown: %w", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) >= 2 && fields[0] == "MemTotal:" {
				kb, err := strconv.ParseInt(fields[1], 10, 64)
				if err != nil {
					break
				}
				return *resource.NewQuantity(kb*1024, resource.BinarySI), nil
			}
		}
		return resource.Quantity{}, fmt.Errorf("node memory unknown: no MemTotal in /proc/meminfo")
	}
	return resource.Quantity{}, fmt.Errorf("podlint run cannot report the node's allocatable %s: set the container's limit", name)
}
