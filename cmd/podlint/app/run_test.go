package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// runPod writes manifest to a file and runs podlint run on it.
func runPod(t *testing.T, manifest string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("podlint run needs Linux")
	}
	if os.Geteuid() == 0 {
		t.Skip("podlint run's tests need an unprivileged user: run scripts/runner-tests.sh")
	}
	if _, err := exec.LookPath("/bin/busybox"); err != nil {
		t.Skip("needs /bin/busybox (apt-get install busybox-static)")
	}
	file := filepath.Join(t.TempDir(), "pod.yaml")
	if err := os.WriteFile(file, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code = Run(context.Background(), Streams{In: strings.NewReader(""), Out: &out, Err: &errb}, append(append([]string{"run"}, args...), file))
	return out.String(), errb.String(), code
}

const okPod = `apiVersion: v1
kind: Pod
metadata:
  name: hello
  namespace: demo
spec:
  restartPolicy: Never
  initContainers:
  - name: init
    image: busybox
    command: ["sh", "-c", "echo init"]
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo hello"]
`

func TestRunJSON(t *testing.T) {
	stdout, stderr, code := runPod(t, okPod, "--format", "json", "--logs")
	if code != ExitClean {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Version int `json:"version"`
		Pod     struct{ Namespace, Name string }
		Final   struct {
			Phase             string
			StartTime         string
			ContainerStatuses []struct {
				Name  string
				State map[string]map[string]any
			}
		}
		DeletionRequestedAt *string `json:"deletionRequestedAt"`
		History             []struct {
			Time   string
			Status struct{ Phase string }
		}
		Events []struct{ Time, Type, Reason, Container, Message string }
		Logs   map[string]string
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if doc.Version != 1 || doc.Pod.Namespace != "demo" || doc.Pod.Name != "hello" || doc.Final.Phase != "Succeeded" {
		t.Errorf("document %+v", doc)
	}
	nano := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$`)
	times := []string{doc.Final.StartTime, doc.History[0].Time, doc.Events[0].Time}
	if doc.DeletionRequestedAt != nil {
		times = append(times, *doc.DeletionRequestedAt)
	}
	if term := doc.Final.ContainerStatuses[0].State["terminated"]; term != nil {
		times = append(times, term["finishedAt"].(string))
	}
	for _, ts := range times {
		if !nano.MatchString(ts) {
			t.Errorf("time %q is not RFC 3339 with fractional seconds", ts)
		}
	}
	if doc.Logs["init"] != "init\n" || doc.Logs["app"] != "hello\n" {
		t.Errorf("logs %q", doc.Logs)
	}
	var reasons []string
	for _, e := range doc.Events {
		reasons = append(reasons, e.Container+":"+e.Reason)
	}
	if !strings.Contains(strings.Join(reasons, " "), "init:Started init:Pulled app:Pulled app:Created app:Started") &&
		!strings.Contains(strings.Join(reasons, " "), "init:Started app:Pulled app:Created app:Started") {
		t.Errorf("events %v", reasons)
	}
}

func TestRunText(t *testing.T) {
	stdout, stderr, code := runPod(t, okPod, "--logs")
	if code != ExitClean {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"pod demo/hello", "final:    Succeeded", "--- logs app\nhello\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestRunExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name, manifest string
		args           []string
		want           int
	}{
		{name: "api error refused", want: ExitFindings, manifest: `apiVersion: v1
kind: Pod
metadata: {name: dup}
spec:
  containers:
  - {name: a, image: busybox}
  - {name: a, image: busybox}
`},
		{name: "host network refused", want: ExitFindings, manifest: `apiVersion: v1
kind: Pod
metadata: {name: hostnet}
spec:
  hostNetwork: true
  containers: [{name: a, image: busybox}]
`},
		{name: "image not loaded", want: ExitUsage, manifest: `apiVersion: v1
kind: Pod
metadata: {name: nginx}
spec:
  containers: [{name: a, image: nginx:1.27, imagePullPolicy: Never}]
`},
		{name: "not a pod", want: ExitUsage, manifest: `apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
`},
		{name: "never ready times out", want: ExitTimeout, args: []string{"--until", "ready", "--timeout", "2s"}, manifest: `apiVersion: v1
kind: Pod
metadata: {name: unready}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: a
    image: busybox
    command: [sleep, "100"]
    readinessProbe: {exec: {command: ["false"]}, periodSeconds: 1}
`},
		{name: "failed before ready", want: ExitFindings, args: []string{"--until", "ready"}, manifest: `apiVersion: v1
kind: Pod
metadata: {name: fails}
spec:
  restartPolicy: Never
  containers:
  - name: a
    image: busybox
    command: [sh, -c, "sleep 0.5; exit 1"]
    readinessProbe: {exec: {command: ["false"]}, periodSeconds: 1}
`},
		{name: "bad until", want: ExitUsage, args: []string{"--until", "forever"}, manifest: okPod},
		{name: "cluster DNS not an IP", want: ExitUsage, args: []string{"--cluster-dns", "dns.example"}, manifest: okPod},
		{name: "unreadable resolv.conf", want: ExitUsage, args: []string{"--resolv-conf", "/nonexistent/resolv.conf"}, manifest: okPod},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runPod(t, tc.manifest, tc.args...)
			if code != tc.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.want, stderr)
			}
		})
	}
}

// crashTwicePod fails twice (counting its runs in an emptyDir, which survives
// restarts) and then succeeds: restartPolicy OnFailure restarts it each time.
const crashTwicePod = `apiVersion: v1
kind: Pod
metadata: {name: flaky}
spec:
  restartPolicy: OnFailure
  volumes: [{name: state, emptyDir: {}}]
  initContainers:
  - name: init-db
    image: busybox
    command: [sh, -c, "exit 0"]
  containers:
  - name: web
    image: busybox
    volumeMounts: [{name: state, mountPath: /state}]
    command: [sh, -c, "echo x >> /state/runs; n=$(wc -l < /state/runs); printf runs=$n > /dev/termination-log; [ $n -ge 3 ]"]
`

func TestRunExpect(t *testing.T) {
	fast := []string{"--backoff-scale", "0.01"}
	t.Run("all hold", func(t *testing.T) {
		_, stderr, code := runPod(t, crashTwicePod, append(fast,
			"--expect", "phase=Succeeded",
			"--expect", "restarts[web]=2",
			"--expect", "restarts[web]>=1",
			"--expect", "exitCode[init-db]=0",
			"--expect", "exitCode[web]=0",
			"--expect", "reason[web]=Completed",
			"--expect", "state[web]=terminated",
			"--expect", "observed.phase=Succeeded",
			"--expect", "condition[Ready]=False",
			"--expect", "condition[Initialized]=True",
			"--expect", "ready[init-db]=true",
			"--expect", "message[web]=runs=3",
		)...)
		if code != ExitClean || strings.Contains(stderr, "expectations failed") {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
	})
	t.Run("failures are listed", func(t *testing.T) {
		stdout, stderr, code := runPod(t, crashTwicePod, append(fast,
			"--expect", "phase=Succeeded",
			"--expect", "restarts[web]<2",
			"--expect", "observed.exitCode[web]!=0",
			"--expect", "condition[Ready]=True",
		)...)
		if code != ExitFindings {
			t.Errorf("exit %d, want %d", code, ExitFindings)
		}
		for _, want := range []string{
			"podlint: 3 of 4 expectations failed:",
			"--expect restarts[web]<2\n    expected: final.restarts[web] < \"2\"\n    observed: final.restarts[web] = \"2\"\n",
			"--expect observed.exitCode[web]!=0\n    expected: observed.exitCode[web] != \"0\"\n    observed: observed.exitCode[web] = \"0\"\n",
			"--expect condition[Ready]=True\n    expected: final.condition[Ready] = \"True\"\n    observed: final.condition[Ready] = \"False\"\n",
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		}
		if strings.Contains(stderr, "--expect phase=Succeeded") {
			t.Errorf("a passing expectation is reported as failed:\n%s", stderr)
		}
		// The run itself is still reported.
		if !strings.Contains(stdout, "final:    Succeeded") {
			t.Errorf("stdout:\n%s", stdout)
		}
	})
	for _, tc := range []struct{ expect, msg string }{
		{"phase", `--expect "phase": want`},
		{"restarts[web]>=many", `--expect "restarts[web]>=many": restarts wants an integer`},
		{"restarts[nope]=1", `--expect "restarts[nope]=1": the Pod has no container named "nope"`},
		{"phase>=Running", `--expect "phase>=Running": phase compares with = or != only`},
		{"colour[web]=red", `--expect "colour[web]=red": unknown key "colour"`},
		{"ready[web]=yes", `--expect "ready[web]=yes": ready wants true or false`},
		{"restarts=1", `--expect "restarts=1": restarts needs a name in brackets`},
	} {
		t.Run("usage "+tc.expect, func(t *testing.T) {
			stdout, stderr, code := runPod(t, crashTwicePod, "--expect", "phase=Succeeded", "--expect", tc.expect)
			if code != ExitUsage || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d, want %d with %q; stderr:\n%s", code, ExitUsage, tc.msg, stderr)
			}
			if stdout != "" {
				t.Errorf("the Pod ran despite a malformed expectation:\n%s", stdout)
			}
		})
	}
}

const envPod = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: demo}
data: {MODE: fast, LEVEL: "3"}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: demo}
stringData: {password: s3cret}
data: {token: dG9rZW4=}
---
apiVersion: v1
kind: Pod
metadata:
  name: env-demo
  namespace: demo
  uid: 0b7a1c52-5d1e-4a43-9a37-3f1b0c9e2d11
  labels: {app: web}
  annotations: {team: core}
spec:
  restartPolicy: Never
  serviceAccountName: builder
  nodeName: node-7
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "env | grep '^E_' | sort"]
    envFrom:
    - configMapRef: {name: settings}
      prefix: E_CM_
    - secretRef: {name: creds}
      prefix: E_S_
    - configMapRef: {name: absent, optional: true}
    env:
    - {name: E_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: E_NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: E_UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}
    - {name: E_LABEL, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
    - {name: E_ANN, valueFrom: {fieldRef: {fieldPath: "metadata.annotations['team']"}}}
    - {name: E_NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: E_SA, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}
    - {name: E_POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: E_HOST_IP, valueFrom: {fieldRef: {fieldPath: status.hostIP}}}
    - {name: E_MODE, valueFrom: {configMapKeyRef: {name: settings, key: MODE}}}
    - {name: E_PASS, valueFrom: {secretKeyRef: {name: creds, key: password}}}
    - {name: E_TOKEN, valueFrom: {secretKeyRef: {name: creds, key: token}}}
    - {name: E_OPT, valueFrom: {configMapKeyRef: {name: settings, key: nope, optional: true}}}
    - {name: E_OPT2, valueFrom: {secretKeyRef: {name: absent, key: k, optional: true}}}
    - {name: E_REF, value: "mode=$(E_CM_MODE) name=$(E_NAME)"}
`

// TestRunEnv runs a real container whose environment comes from the
// downward API and from the ConfigMaps and Secrets given in the same file.
func TestRunEnv(t *testing.T) {
	stdout, stderr, code := runPod(t, envPod, "--format", "json", "--logs", "--expect", "phase=Succeeded")
	if code != ExitClean {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct{ Logs map[string]string }
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"E_ANN=core", "E_CM_LEVEL=3", "E_CM_MODE=fast", "E_HOST_IP=127.0.0.1", "E_LABEL=web",
		"E_MODE=fast", "E_NAME=env-demo", "E_NODE=node-7", "E_NS=demo", "E_PASS=s3cret",
		"E_POD_IP=127.0.0.1", "E_REF=mode=fast name=env-demo", "E_SA=builder", "E_S_password=s3cret",
		"E_S_token=token", "E_TOKEN=token", "E_UID=0b7a1c52-5d1e-4a43-9a37-3f1b0c9e2d11",
	}, "\n") + "\n"
	if got := doc.Logs["app"]; got != want {
		t.Errorf("environment:\n%s\nwant:\n%s", got, want)
	}
}

// TestRunDNSFlags checks that the kubelet's DNS flags reach the Pod's
// resolv.conf and /etc/hosts: a ClusterFirst Pod gets the cluster server and
// search path, with no node resolv.conf to add to them.
func TestRunDNSFlags(t *testing.T) {
	stdout, stderr, code := runPod(t, `apiVersion: v1
kind: Pod
metadata: {name: dns, namespace: shop}
spec:
  restartPolicy: Never
  hostname: web-0
  subdomain: web
  containers:
  - {name: app, image: busybox, command: [sh, -c, "cat /etc/resolv.conf; tail -1 /etc/hosts"]}
`, "--format", "json", "--logs", "--cluster-dns", "10.0.0.10", "--cluster-domain", "corp.internal", "--resolv-conf", "")
	if code != ExitClean {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct{ Logs map[string]string }
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	want := "search shop.svc.corp.internal svc.corp.internal corp.internal\nnameserver 10.0.0.10\noptions ndots:5\n" +
		"127.0.0.1\tweb-0.web.shop.svc.corp.internal\tweb-0\n"
	if got := doc.Logs["app"]; got != want {
		t.Errorf("logs:\n%s\nwant:\n%s", got, want)
	}
}

// TestRunEnvMissing checks that a required ConfigMap, Secret or key the file
// lacks leaves the container in CreateContainerConfigError, as the kubelet
// does, and that podlint run stops there (exit 1) since nothing can add it.
func TestRunEnvMissing(t *testing.T) {
	for _, tc := range []struct{ env, msg string }{
		{"envFrom: [{configMapRef: {name: absent}}]", `configmap "absent" not found`},
		{"env: [{name: X, valueFrom: {secretKeyRef: {name: absent, key: k}}}]", `secret "absent" not found`},
		{"env: [{name: X, valueFrom: {configMapKeyRef: {name: settings, key: nope}}}]", `couldn't find key nope in ConfigMap default/settings`},
	} {
		t.Run(tc.msg, func(t *testing.T) {
			manifest := `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {MODE: fast}
---
apiVersion: v1
kind: Pod
metadata: {name: missing}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "echo started"]
    ` + tc.env + "\n"
			stdout, stderr, code := runPod(t, manifest, "--format", "json", "--logs")
			if code != ExitFindings {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, ExitFindings, stderr)
			}
			if !strings.Contains(stderr, "container app: CreateContainerConfigError: "+tc.msg) {
				t.Errorf("stderr:\n%s", stderr)
			}
			var doc struct {
				Observed struct {
					Phase             string
					ContainerStatuses []struct {
						State struct {
							Waiting struct{ Reason, Message string }
						}
					}
				}
				Events []struct{ Reason, Message string }
				Logs   map[string]string
			}
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
				t.Fatal(err)
			}
			w := doc.Observed.ContainerStatuses[0].State.Waiting
			if doc.Observed.Phase != "Pending" || w.Reason != "CreateContainerConfigError" || w.Message != tc.msg {
				t.Errorf("observed %+v", doc.Observed)
			}
			if doc.Logs["app"] != "" {
				t.Errorf("the container ran: %q", doc.Logs["app"])
			}
			failed := 0
			for _, e := range doc.Events {
				if e.Reason == "Failed" && e.Message == "Error: "+tc.msg {
					failed++
				}
			}
			if failed != 1 {
				t.Errorf("%d Failed events, want 1: %+v", failed, doc.Events)
			}
		})
	}
}

// TestRunVolumeMissing checks podlint run on a Pod whose configMap volume
// names a ConfigMap the file does not hold: FailedMount, the Pod observed
// Pending with nothing started, then deleted, exit 1.
func TestRunVolumeMissing(t *testing.T) {
	manifest := `apiVersion: v1
kind: Pod
metadata: {name: nomount}
spec:
  restartPolicy: Never
  volumes: [{name: conf, configMap: {name: absent}}]
  containers:
  - {name: app, image: busybox, command: [sh, -c, "echo started"], volumeMounts: [{name: conf, mountPath: /conf}]}
`
	msg := `MountVolume.SetUp failed for volume "conf" : configmap "absent" not found`
	stdout, stderr, code := runPod(t, manifest, "--format", "json", "--logs")
	if code != ExitFindings {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, ExitFindings, stderr)
	}
	if !strings.Contains(stderr, msg+": the Pod cannot start") {
		t.Errorf("stderr:\n%s", stderr)
	}
	var doc struct {
		Observed struct {
			Phase             string
			ContainerStatuses []struct {
				State struct{ Waiting struct{ Reason string } }
			}
		}
		Events []struct{ Type, Reason, Message string }
		Logs   map[string]string
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Observed.Phase != "Pending" || doc.Observed.ContainerStatuses[0].State.Waiting.Reason != "ContainerCreating" {
		t.Errorf("observed %+v", doc.Observed)
	}
	if doc.Logs["app"] != "" {
		t.Errorf("the container ran: %q", doc.Logs["app"])
	}
	if len(doc.Events) == 0 || doc.Events[0].Reason != "FailedMount" || doc.Events[0].Type != "Warning" || doc.Events[0].Message != msg {
		t.Errorf("events %+v, want FailedMount first", doc.Events)
	}
}

// podlint run - reads the Pod from stdin once, lints it with the
// configuration podlint check would use (here a .podlint.yaml in the working
// directory that disables bare-pod) and runs what the linter decoded.
func TestRunStdinWithConfig(t *testing.T) {
	runPod(t, okPod) // skips where podlint run cannot run
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".podlint.yaml"), []byte("rules:\n  disable: [bare-pod]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	var out, errb bytes.Buffer
	code := Run(context.Background(), Streams{In: strings.NewReader(okPod), Out: &out, Err: &errb}, []string{"run", "--format", "json", "-"})
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	if strings.Contains(errb.String(), "bare-pod") {
		t.Errorf("bare-pod reported although .podlint.yaml disables it:\n%s", errb.String())
	}
	var doc struct {
		Pod   struct{ Namespace, Name string }
		Final struct{ Phase string }
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Pod.Name != "hello" || doc.Pod.Namespace != "demo" || doc.Final.Phase != "Succeeded" {
		t.Errorf("ran %+v", doc)
	}

	// Without the configuration, the same stdin input shows the finding.
	t.Chdir(t.TempDir())
	errb.Reset()
	out.Reset()
	if code := Run(context.Background(), Streams{In: strings.NewReader(okPod), Out: &out, Err: &errb}, []string{"run", "-"}); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "bare-pod") {
		t.Errorf("want the bare-pod finding without configuration; stderr:\n%s", errb.String())
	}
}
