//go:build linux && cgo

package runner

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// envSources decodes ConfigMap and Secret manifests as podlint run reads them
// from the input file.
func envSources(t *testing.T, docs ...string) EnvSources {
	t.Helper()
	src := EnvSources{ConfigMaps: map[string]*v1.ConfigMap{}, Secrets: map[string]*v1.Secret{}}
	for _, d := range docs {
		if strings.Contains(d, "kind: Secret") {
			s := &v1.Secret{}
			if err := yaml.UnmarshalStrict([]byte(d), s); err != nil {
				t.Fatal(err)
			}
			src.Secrets[s.Name] = s
			continue
		}
		cm := &v1.ConfigMap{}
		if err := yaml.UnmarshalStrict([]byte(d), cm); err != nil {
			t.Fatal(err)
		}
		src.ConfigMaps[cm.Name] = cm
	}
	return src
}

const (
	appConfig = `
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data: {a: alpha, b: beta}
`
	appSecret = `
apiVersion: v1
kind: Secret
metadata: {name: app-secret}
data: {user: YWRtaW4=}
stringData: {pass: s3cret}
`
)

// TestAPIDataVolumes runs a Pod with configMap, secret, downwardAPI and
// projected volumes, as the kubelet's volume plugins fill them (the e2e
// tests' "should be consumable from pods in volume" family): every key or
// the listed items, modes from items or defaultMode, optional sources that
// are missing give an empty volume, downward API files in the fieldpath
// format, a subPath of one key, and every such mount read-only.
func TestAPIDataVolumes(t *testing.T) {
	var warnings []string
	var mu sync.Mutex
	p := runWith(t, `
apiVersion: v1
kind: Pod
metadata:
  name: vols
  namespace: demo
  labels: {app: demo, tier: web}
  annotations: {x: "y z"}
spec:
  restartPolicy: Never
  volumes:
  - {name: cfg, configMap: {name: app-config, defaultMode: 0440}}
  - name: picked
    configMap: {name: app-config, items: [{key: b, path: sub/b.txt, mode: 0400}]}
  - {name: sec, secret: {secretName: app-secret}}
  - {name: opt, configMap: {name: absent, optional: true}}
  - name: dapi
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: name, fieldRef: {fieldPath: metadata.name}}
      - {path: anno, fieldRef: {fieldPath: "metadata.annotations['x']"}}
      - {path: mem, resourceFieldRef: {containerName: c, resource: limits.memory, divisor: 1Mi}}
      - {path: cpu, resourceFieldRef: {containerName: c, resource: limits.cpu}}
  - name: proj
    projected:
      defaultMode: 0600
      sources:
      - configMap: {name: app-config, items: [{key: a, path: cm-a}]}
      - secret: {name: app-secret, items: [{key: user, path: sec-user}]}
      - downwardAPI: {items: [{path: ns, fieldRef: {fieldPath: metadata.namespace}}]}
      - serviceAccountToken: {path: token}
  containers:
  - name: c
    image: busybox
    resources: {limits: {memory: 64Mi}}
    volumeMounts:
    - {name: cfg, mountPath: /cfg}
    - {name: picked, mountPath: /picked}
    - {name: sec, mountPath: /sec}
    - {name: opt, mountPath: /opt}
    - {name: dapi, mountPath: /dapi}
    - {name: proj, mountPath: /proj}
    - {name: cfg, mountPath: /etc/a.conf, subPath: a}
    command:
    - sh
    - -c
    - |
      show() { echo "$1=$(cat $1)"; }
      for f in /cfg/a /cfg/b /picked/sub/b.txt /sec/user /sec/pass /dapi/labels /dapi/name /dapi/anno /dapi/mem /dapi/cpu /proj/cm-a /proj/sec-user /proj/ns /etc/a.conf; do show $f; done
      echo "modes=$(stat -L -c %a /cfg/a /picked/sub/b.txt /sec/user /proj/ns /proj/token | tr '\n' ' ')"
      echo "picked=$(ls /picked) opt=$(ls /opt | wc -l) data=$(readlink /cfg/..data | cut -c1-2)"
      head -c 27 /proj/token; echo
      touch /cfg/new 2>/dev/null && echo cfg=rw || echo cfg=ro
      touch /sec/new 2>/dev/null && echo sec=rw || echo sec=ro
`, Options{EnvSources: envSources(t, appConfig, appSecret), Warn: func(s string) {
		mu.Lock()
		warnings = append(warnings, s)
		mu.Unlock()
	}})
	st := waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	want := strings.Join([]string{
		"/cfg/a=alpha", "/cfg/b=beta", "/picked/sub/b.txt=beta", "/sec/user=admin", "/sec/pass=s3cret",
		"/dapi/labels=app=\"demo\"", "tier=\"web\"", "/dapi/name=vols", "/dapi/anno=y z", "/dapi/mem=64",
		fmt.Sprintf("/dapi/cpu=%d", runtime.NumCPU()),
		"/proj/cm-a=alpha", "/proj/sec-user=admin", "/proj/ns=demo", "/etc/a.conf=alpha",
		"modes=440 400 644 600 600 ",
		"picked=sub opt=0 data=..",
		"podlint-run-placeholder-tok",
		"cfg=ro", "sec=ro",
	}, "\n") + "\n"
	if got := p.Logs()["c"]; got != want {
		t.Errorf("container saw:\n%s\nwant:\n%s", got, want)
	}
	if term := ctrStatus(st, "c").State.Terminated; term == nil || term.ExitCode != 0 {
		t.Errorf("%s", describe(st))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(warnings) == 0 || !strings.Contains(strings.Join(warnings, "\n"), "serviceAccountToken") {
		t.Errorf("no warning about the placeholder token: %q", warnings)
	}
}

// TestMissingVolumeSourceFailedMount checks what the kubelet shows when a
// required volume source is missing: it never creates the sandbox, records
// FailedMount ("MountVolume.SetUp failed for volume ..."), and the Pod stays
// Pending with its containers waiting in ContainerCreating
// (PodInitializing when it has init containers) and
// PodReadyToStartContainers False.
func TestMissingVolumeSourceFailedMount(t *testing.T) {
	for _, tc := range []struct {
		name, volume, msg string
		init              bool
	}{
		{name: "configmap", volume: "{name: v, configMap: {name: nope}}", msg: `MountVolume.SetUp failed for volume "v" : configmap "nope" not found`},
		{name: "secret-key", volume: "{name: v, secret: {secretName: app-secret, items: [{key: nokey, path: k}]}}", msg: `MountVolume.SetUp failed for volume "v" : references non-existent secret key: nokey`, init: true},
		{name: "projected", volume: "{name: v, projected: {sources: [{configMap: {name: app-config, items: [{key: zz, path: z}]}}]}}", msg: `MountVolume.SetUp failed for volume "v" : configmap references non-existent config key: zz`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			initC, reason := "", "ContainerCreating"
			if tc.init {
				initC, reason = "  initContainers: [{name: i, image: busybox, command: [\"true\"]}]\n", "PodInitializing"
			}
			p := runWith(t, `
apiVersion: v1
kind: Pod
metadata: {name: nomount}
spec:
  volumes: [`+tc.volume+`]
`+initC+`  containers:
  - {name: c, image: busybox, command: [sleep, "100"], volumeMounts: [{name: v, mountPath: /v}]}
`, Options{EnvSources: envSources(t, appConfig, appSecret)})
			if p.MountError() == nil || p.MountError().Error() != tc.msg {
				t.Errorf("MountError() = %v, want %s", p.MountError(), tc.msg)
			}
			time.Sleep(200 * time.Millisecond)
			st := p.Status()
			if st.Phase != v1.PodPending {
				t.Errorf("phase %s, want Pending", st.Phase)
			}
			for _, cs := range append(st.InitContainerStatuses, st.ContainerStatuses...) {
				if w := cs.State.Waiting; w == nil || w.Reason != reason {
					t.Errorf("%s: state %+v, want waiting %s", cs.Name, cs.State, reason)
				}
			}
			if c := findCondition(st.Conditions, v1.PodReadyToStartContainers); c == nil || c.Status != v1.ConditionFalse {
				t.Errorf("PodReadyToStartContainers %+v, want False", c)
			}
			var failed int
			for _, e := range p.Events() {
				switch e.Reason {
				case "FailedMount":
					failed++
					if e.Type != "Warning" || e.Message != tc.msg {
						t.Errorf("event %+v", e)
					}
				case "Created", "Started", "Pulled":
					t.Errorf("a container was started: %+v", e)
				}
			}
			if failed != 1 {
				t.Errorf("%d FailedMount events, want 1", failed)
			}
		})
	}
}

// TestSubPathCannotLeaveVolume checks that a subPath resolving through a
// symlink a container planted in an emptyDir cannot bind-mount the host: the
// container fails to be created (CreateContainerConfigError, as the
// kubelet's subpath preparation fails) while a subPath inside the volume
// works.
func TestSubPathCannotLeaveVolume(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: subpath-escape}
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{name: data, emptyDir: {}}]
  initContainers:
  - name: plant
    image: busybox
    command: [sh, -c, "ln -s / /data/escape; mkdir /data/inside; echo ok > /data/inside/f; ln -s inside /data/link"]
    volumeMounts: [{name: data, mountPath: /data}]
  containers:
  - name: inside
    image: busybox
    command: [sh, -c, "cat /in/f; sleep 100"]
    volumeMounts: [{name: data, mountPath: /in, subPath: link}]
  - name: escape
    image: busybox
    command: [sleep, "100"]
    volumeMounts: [{name: data, mountPath: /host, subPath: escape}]
`)
	st := waitFor(t, p, "escape refused", 30*time.Second, func(st v1.PodStatus) bool {
		w := ctrStatus(st, "escape").State.Waiting
		return w != nil && w.Reason == "CreateContainerConfigError" && ctrStatus(st, "inside").State.Running != nil
	})
	if msg := ctrStatus(st, "escape").State.Waiting.Message; !strings.Contains(msg, `failed to prepare subPath for volumeMount "data" of container "escape"`) || !strings.Contains(msg, "leaves its volume") {
		t.Errorf("message %q", msg)
	}
	// Logs do not change the status: poll them.
	for deadline := time.Now().Add(10 * time.Second); p.Logs()["inside"] != "ok\n"; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("inside logs %q, want the file through the in-volume symlink", p.Logs()["inside"])
		}
	}
}
