//go:build linux && cgo

package runner

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// TestContainersShareLocalhost: the client may start before the server
// listens, as in Kubernetes; it retries, and its failed attempts' errors are
// kept out of the log.
func TestContainersShareLocalhost(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: localhost}
spec:
  terminationGracePeriodSeconds: 1
  restartPolicy: Never
  containers:
  - name: server
    image: busybox
    command: [sh, -c, "mkdir -p /www && echo from-server > /www/index.html && exec httpd -f -p 8080 -h /www"]
  - name: client
    image: busybox
    command: [sh, -c, "for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://127.0.0.1:8080/ 2>/dev/null && exit 0; sleep 0.3; done; exit 1"]
`)
	st := waitFor(t, p, "client done", 30*time.Second, func(st v1.PodStatus) bool {
		cs := ctrStatus(st, "client")
		return cs != nil && cs.State.Terminated != nil
	})
	if code := ctrStatus(st, "client").State.Terminated.ExitCode; code != 0 || p.Logs()["client"] != "from-server\n" {
		t.Errorf("client exit %d, logs %q", code, p.Logs()["client"])
	}
}

func TestEmptyDirSharedBetweenContainers(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: emptydir}
spec:
  restartPolicy: Never
  volumes: [{name: data, emptyDir: {}}]
  initContainers:
  - {name: writer, image: busybox, command: [sh, -c, "echo written-by-init > /data/f"], volumeMounts: [{name: data, mountPath: /data}]}
  containers:
  - {name: reader, image: busybox, command: [cat, /mnt/f], volumeMounts: [{name: data, mountPath: /mnt, readOnly: true}]}
  - {name: ro, image: busybox, command: [sh, -c, "touch /mnt/x 2>/dev/null && echo writable || echo read-only"], volumeMounts: [{name: data, mountPath: /mnt, readOnly: true}]}
`)
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	logs := p.Logs()
	if logs["reader"] != "written-by-init\n" || logs["ro"] != "read-only\n" {
		t.Errorf("logs %q", logs)
	}
}

func TestRootfsIsFreshPerStart(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: fresh}
spec:
  restartPolicy: OnFailure
  containers:
  - {name: app, image: busybox, command: [sh, -c, "if [ -e /marker ]; then echo dirty; exit 0; fi; touch /marker; echo clean; exit 1"]}
`)
	st := waitFor(t, p, "2 restarts", 30*time.Second, func(st v1.PodStatus) bool {
		cs := ctrStatus(st, "app")
		return cs != nil && cs.RestartCount >= 2
	})
	if strings.Contains(p.Logs()["app"], "dirty") || st.Phase == v1.PodSucceeded {
		t.Errorf("a restarted container saw its previous root filesystem: %q", p.Logs()["app"])
	}
}

func TestContainerRootIsInvokingUser(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: userns}
spec:
  restartPolicy: Never
  containers:
  - {name: app, image: busybox, command: [sh, -c, "id -u; cat /proc/self/uid_map"]}
`)
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	fields := strings.Fields(p.Logs()["app"])
	if len(fields) < 4 || fields[0] != "0" || fields[1] != "0" || fields[2] != strconv.Itoa(os.Getuid()) || fields[3] != "1" {
		t.Errorf("uid and map %q, want container root = uid %d", fields, os.Getuid())
	}
	// Then the subordinate range, when the user has one, from container id 1.
	if m := podIDMap(); m.ranged() {
		want := []string{"1", strconv.Itoa(int(m.uids[1].HostID)), strconv.Itoa(int(m.uids[1].Size))}
		if len(fields) != 7 || !slices.Equal(fields[4:], want) {
			t.Errorf("uid map %q, want the subordinate range %v after root", fields[1:], want)
		}
	} else if len(fields) != 4 {
		t.Errorf("uid map %q, want root only without a subordinate range", fields[1:])
	}
}

func TestZombiesWithoutSharedPIDNamespace(t *testing.T) {
	// Each container's own process is PID 1 of its namespace and inherits
	// orphans; sleep never reaps them, so the zombie stays.
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: zombie-own}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "(sleep 0.2 &); exec sleep 100"]
  - name: peer
    image: busybox
    command: [sleep, "100"]
`)
	waitFor(t, p, "Running", 30*time.Second, phaseIs(v1.PodRunning))
	time.Sleep(time.Second)
	c := p.ctrByName("app")
	out := execOut(t, p, c, "cat /proc/1/cmdline; echo; grep -l '^State:.*Z' /proc/[0-9]*/status | wc -l")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "sleep") || lines[1] == "0" {
		t.Errorf("want the container's sleep as PID 1 and a zombie: %q", out)
	}
	peer := execOut(t, p, p.ctrByName("peer"), "grep -l '^Name:.*sleep' /proc/[0-9]*/status | wc -l")
	if strings.TrimSpace(peer) != "1" { // its own sleep only
		t.Errorf("peer container sees other containers' processes: %q", peer)
	}
}

func TestZombiesReapedWithSharedPIDNamespace(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: zombie-shared}
spec:
  terminationGracePeriodSeconds: 1
  shareProcessNamespace: true
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "(sleep 0.2 &); exec sleep 100"]
  - name: peer
    image: busybox
    command: [sleep, "100"]
`)
	waitFor(t, p, "Running", 30*time.Second, phaseIs(v1.PodRunning))
	time.Sleep(1500 * time.Millisecond)
	out := execOut(t, p, p.ctrByName("peer"), "tr '\\0' ' ' < /proc/1/cmdline; echo; grep -l '^State:.*Z' /proc/[0-9]*/status | wc -l; grep -l '^Name:.*sleep' /proc/[0-9]*/status | wc -l")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || strings.TrimSpace(lines[0]) != "/pause" || lines[1] != "0" || lines[2] != "2" {
		t.Errorf("want /pause as PID 1, no zombie, both containers' sleeps visible: %q", out)
	}
}

// execOut runs a shell command in a running container.
func execOut(t *testing.T, p *Pod, c *ctr, script string) string {
	t.Helper()
	if !c.running() {
		t.Fatalf("%s not running", c.spec.Name)
	}
	code, out, err := p.rt.ExecSync(c.id, []string{"sh", "-c", script}, 10*time.Second)
	if err != nil || code != 0 {
		t.Fatalf("exec %q: %d %v %s", script, code, err, out)
	}
	return out
}

func (p *Pod) ctrByName(name string) *ctr {
	for _, c := range p.ctrs {
		if c.spec.Name == name {
			return c
		}
	}
	return nil
}

func TestRefusesHostAccess(t *testing.T) {
	for _, tc := range []struct{ name, spec, field string }{
		{name: "hostnetwork", spec: "hostNetwork: true", field: "spec.hostNetwork"},
		{name: "hostpid", spec: "hostPID: true", field: "spec.hostPID"},
		{name: "hostipc", spec: "hostIPC: true", field: "spec.hostIPC"},
		{name: "hostpath", spec: "volumes: [{name: h, hostPath: {path: /etc}}]", field: "spec.volumes[0].hostPath"},
		{name: "privileged", spec: "containers: [{name: a, image: busybox, securityContext: {privileged: true}}]", field: "spec.containers[0].securityContext.privileged"},
		{name: "cluster trust bundle", spec: "volumes: [{name: p, projected: {sources: [{clusterTrustBundle: {name: b, path: ca.pem}}]}}]", field: "spec.volumes[0].projected.sources[0].clusterTrustBundle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			if !strings.HasPrefix(spec, "containers") {
				spec += "\n  containers: [{name: a, image: busybox}]"
			}
			pod := decodePod(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  "+spec+"\n")
			_, err := Start(pod, Options{Images: testImages(t), StateDir: t.TempDir()})
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("err = %v, want a refusal naming %s", err, tc.field)
			}
		})
	}
}

// TestCleanupAfterSIGKILL kills a podlint process running a Pod: its
// containers die with it (parent-death signal) and the next start collects
// the state it left.
func TestCleanupAfterSIGKILL(t *testing.T) {
	canRun(t)
	state := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRunForever$")
	// The helper's busybox root lives here: SIGKILLed, it cannot remove it.
	cmd.Env = append(os.Environ(), "PODLINT_HELPER_STATE="+state, "PODLINT_HELPER_IMAGES="+t.TempDir())
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := stdout.Read(buf)
	pids := strings.Fields(string(buf[:n]))
	if len(pids) != 2 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q", buf[:n])
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	for _, s := range pids {
		pid, _ := strconv.Atoi(s)
		waitGone(pid, 5*time.Second)
		if alive(pid) {
			t.Errorf("process %d (infra or container) survived podlint's SIGKILL", pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(state, "pods")); len(entries) != 1 {
		t.Fatalf("want the killed run's state left behind, got %v", entries)
	}
	// The next start collects it.
	p, err := Start(decodePod(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: next}\nspec:\n  restartPolicy: Never\n  containers: [{name: a, image: busybox, command: ['true']}]\n"),
		Options{Images: testImages(t), StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Join(state, "pods")); len(entries) != 1 {
		t.Errorf("leftover not collected: %v", entries)
	}
	p.Delete()
	<-p.Done()
	if entries, _ := os.ReadDir(filepath.Join(state, "pods")); len(entries) != 0 {
		t.Errorf("state left: %v", entries)
	}
}

func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !zombieStat(b)
}

// TestHelperRunForever is the process TestCleanupAfterSIGKILL kills.
func TestHelperRunForever(t *testing.T) {
	state := os.Getenv("PODLINT_HELPER_STATE")
	if state == "" {
		t.Skip("helper for TestCleanupAfterSIGKILL")
	}
	manifest := "apiVersion: v1\nkind: Pod\nmetadata: {name: victim}\nspec:\n  containers: [{name: a, image: busybox, command: [sleep, '100']}]\n"
	ranged := podIDMap().ranged()
	if ranged {
		// Leave what only a subordinate id may remove, in the root
		// filesystem's upper layer and in a volume: the collection must
		// remove it as root of a user namespace.
		manifest = `
apiVersion: v1
kind: Pod
metadata: {name: victim}
spec:
  securityContext: {runAsUser: 1000}
  volumes: [{name: v}]
  containers:
  - name: a
    image: busybox
    command: [sh, -c, "mkdir -p /tmp/a/b /v/a/b && chmod 500 /tmp/a /v/a && exec sleep 100"]
    volumeMounts: [{name: v, mountPath: /v}]
`
	}
	images := &BusyboxImages{Dir: os.Getenv("PODLINT_HELPER_IMAGES")}
	p, err := Start(decodePod(t, manifest), Options{Images: images, StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitFor(t.Context(), phaseIs(v1.PodRunning)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ranged; time.Sleep(10 * time.Millisecond) {
		if fi, err := os.Stat(filepath.Join(p.rt.(*sandboxRuntime).sb.dir, "volumes/v/a")); err == nil && fi.Mode().Perm() == 0o500 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the container did not create /v/a")
		}
	}
	rt := p.rt.(*sandboxRuntime)
	os.Stdout.WriteString(strconv.Itoa(rt.sb.infraPid) + " " + strconv.Itoa(rt.run(p.ctrByName("a").id).pid) + "\n")
	select {}
}
