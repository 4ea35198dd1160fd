package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// The images the golden Pods use, as the sandbox's image sources report
// their configuration.
var goldenImages = map[string]ImageConfig{
	"busybox":  {Cmd: []string{"sh"}, Env: []string{"PATH=" + defaultPath}},
	"app-user": {Cmd: []string{"sh"}, Env: []string{"PATH=" + defaultPath}, User: "app"},
	"server": {
		Entrypoint: []string{"/usr/bin/server"}, Cmd: []string{"--help"},
		Env:        []string{"PATH=/opt/server/bin:" + defaultPath, "MODE=image", "LANG=C.UTF-8"},
		WorkingDir: "/app",
	},
}

// The sandbox's paths in the goldens.
const (
	goldenSandboxDir = "/state/pods/p0"
	goldenInfraPID   = 4242
	// goldenTmpfsFD is where the infra process holds the first Memory
	// emptyDir (tmpfsFD in the Linux build).
	goldenTmpfsFD = 200
)

// TestContainerSpecGolden builds the OCI spec of every container of the Pods
// in testdata/ocispec and compares it with <pod>.json there.
// UPDATE_GOLDEN=1 go test ./runner/ -run TestContainerSpecGolden writes
// them; read them before committing.
func TestContainerSpecGolden(t *testing.T) {
	pods, err := filepath.Glob("testdata/ocispec/*.yaml")
	if err != nil || len(pods) == 0 {
		t.Fatalf("no Pods in testdata/ocispec (%v)", err)
	}
	for _, file := range pods {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			got := goldenSpecs(t, file)
			golden := strings.TrimSuffix(file, ".yaml") + ".json"
			if os.Getenv("UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (UPDATE_GOLDEN=1 go test ./runner/ -run TestContainerSpecGolden writes it; read it before committing)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("the OCI specs of %s differ from %s (UPDATE_GOLDEN=1 regenerates it):\n%s", file, golden, got)
			}
		})
	}
}

// goldenSpecs returns the specs of the Pod's init and app containers, as
// JSON, each under its container's name.
func goldenSpecs(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var pod v1.Pod
	if err := yaml.UnmarshalStrict(b, &pod); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	hostname, _, err := podHostnameAndDomain(&pod, DefaultClusterDomain)
	if err != nil {
		t.Fatal(err)
	}
	memory := map[string]int{}
	for _, v := range pod.Spec.Volumes {
		if v.EmptyDir != nil && v.EmptyDir.Medium == v1.StorageMediumMemory {
			memory[v.Name] = goldenTmpfsFD + len(memory)
		}
	}
	type entry struct {
		Container string `json:"container"`
		Spec      any    `json:"spec"`
	}
	var out []entry
	ctrs := append(append([]v1.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...)
	for i := range ctrs {
		c := &ctrs[i]
		img, ok := goldenImages[c.Image]
		if !ok {
			t.Fatalf("%s: no image %q in goldenImages", c.Name, c.Image)
		}
		env, err := containerEnv(&pod, c, img.Env, hostname, nil, &v1.PodStatus{PodIP: podIP, PodIPs: []v1.PodIP{{IP: podIP}}})
		if err != nil {
			t.Fatal(err)
		}
		user, err := resolveUser(&pod, c, img.User, "testdata/ocispec/rootfs")
		if err != nil {
			t.Fatal(err)
		}
		// What the sandbox makes: a Memory emptyDir is the infra process's
		// descriptor, any other volume a directory; subPaths joined.
		sources := make([]string, len(c.VolumeMounts))
		for j, m := range c.VolumeMounts {
			src := filepath.Join(goldenSandboxDir, "volumes", m.Name)
			if fd, ok := memory[m.Name]; ok {
				src = fmt.Sprintf("/proc/%d/fd/%d", goldenInfraPID, fd)
			}
			sources[j] = filepath.Join(src, m.SubPath)
		}
		dir := filepath.Join(goldenSandboxDir, "rootfs", c.Name)
		spec, err := buildContainerSpec(containerSpecInput{
			Pod: &pod, Container: c, Image: img, Env: env, User: user, Root: dir,
			InfraPID: goldenInfraPID, SandboxDir: goldenSandboxDir, MountSources: sources, TermFile: dir + ".termination-log",
		})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		out = append(out, entry{c.Name, spec})
	}
	j, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(j, '\n')
}

// A container without a command, in an image with neither entrypoint nor
// cmd, cannot be created, and says why.
func TestContainerSpecNoCommand(t *testing.T) {
	pod := &v1.Pod{Spec: v1.PodSpec{Containers: []v1.Container{{Name: "app", Image: "scratch"}}}}
	_, err := buildContainerSpec(containerSpecInput{Pod: pod, Container: &pod.Spec.Containers[0]})
	if err == nil || !strings.Contains(err.Error(), "no command specified") {
		t.Fatalf("err = %v, want no command specified", err)
	}
}

// TestWithCapabilities follows containerd's CRI (WithCapabilities): ALL is
// applied before the individual names, whatever their order in the lists.
func TestWithCapabilities(t *testing.T) {
	all := allCapabilities()
	for _, tc := range []struct {
		name      string
		add, drop []v1.Capability
		want      func([]string) bool
	}{
		{"add all, drop one", []v1.Capability{"CHOWN", "ALL"}, []v1.Capability{"chown"}, func(got []string) bool {
			return len(got) == len(all)-1 && !slices.Contains(got, "CAP_CHOWN") && slices.Contains(got, "CAP_SYS_ADMIN")
		}},
		{"drop all, add one", []v1.Capability{"NET_BIND_SERVICE"}, []v1.Capability{"ALL"}, func(got []string) bool {
			return slices.Equal(got, []string{"CAP_NET_BIND_SERVICE"})
		}},
		{"add and drop the same: dropped", []v1.Capability{"SYS_TIME"}, []v1.Capability{"SYS_TIME"}, func(got []string) bool {
			return !slices.Contains(got, "CAP_SYS_TIME") && len(got) == len(defaultCapabilities)
		}},
		{"added twice: once", []v1.Capability{"NET_ADMIN", "net_admin", "KILL"}, nil, func(got []string) bool {
			return len(got) == len(defaultCapabilities)+1
		}},
	} {
		got := withCapabilities(defaultCapabilities, &v1.Capabilities{Add: tc.add, Drop: tc.drop})
		if !tc.want(got) {
			t.Errorf("%s: got %v", tc.name, got)
		}
	}
}
