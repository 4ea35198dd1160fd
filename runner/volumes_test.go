package runner

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

// TestVolumePayloadPaths checks the atomic writer's path rules and the
// downward API's formats without a sandbox.
func TestVolumePayloadPaths(t *testing.T) {
	src := &EnvSources{ConfigMaps: map[string]*v1.ConfigMap{"c": {Data: map[string]string{"k": "v"}}}}
	for _, p := range []string{"/abs", "a/../../b", "..data", "..x/y"} {
		v := &v1.Volume{Name: "v", VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{
			LocalObjectReference: v1.LocalObjectReference{Name: "c"}, Items: []v1.KeyToPath{{Key: "k", Path: p}}}}}
		if _, _, err := volumePayload(&v1.Pod{}, v, src); err == nil {
			t.Errorf("path %q accepted", p)
		}
	}
	pod := &v1.Pod{}
	pod.Labels = map[string]string{"b": `q"uote`, "a": "1"}
	if got, _ := volumeField(pod, "metadata.labels"); got != "a=\"1\"\nb=\"q\\\"uote\"" {
		t.Errorf("labels %q", got)
	}
	if _, err := volumeField(pod, "status.podIP"); err == nil {
		t.Errorf("a volume cannot show status.podIP")
	}
}
