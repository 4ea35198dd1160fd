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
  containers: [{name: a, image: nginx:1.27}]
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
    command: [sh, -c, "echo x >> /state/runs; [ $(wc -l < /state/runs) -ge 3 ]"]
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
