//go:build linux && cgo

package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// TestRootMapsContainerRootToUnprivilegedUser runs only as root (CI's `make
// test`): container root must map to an unprivileged host uid, never to root.
func TestRootMapsContainerRootToUnprivilegedUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("checks podlint run as root; runs as root in make test")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("needs /bin/busybox (apt-get install busybox-static)")
	}
	// The state directory's parents must be searchable by container root.
	state := t.TempDir()
	for d := state; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	pod := decodePod(t, `
apiVersion: v1
kind: Pod
metadata: {name: as-root}
spec:
  restartPolicy: Never
  volumes: [{name: d, emptyDir: {}}]
  containers:
  - name: a
    image: busybox
    command: [sh, -c, "id -u; cat /proc/self/uid_map; touch /x && echo rootfs-ok; echo hi > /d/f && echo volume-ok"]
    volumeMounts: [{name: d, mountPath: /d}]
`)
	p := runRootToSucceeded(t, pod, state)
	fields := strings.Fields(p.Logs()["a"])
	if len(fields) != 6 || fields[0] != "0" || fields[2] == "0" || fields[4] != "rootfs-ok" || fields[5] != "volume-ok" {
		t.Errorf("logs %q: want container root mapped to a non-root host uid, with a writable root filesystem and volume", fields)
	}
}

// TestRootRangeRunsAsOtherIDs runs only as root, with root's subordinate
// range read from a test file: container ids map to that range, never to
// host root, and the Pod's ids, groups and fsGroup apply.
func TestRootRangeRunsAsOtherIDs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("checks podlint run as root; runs as root in make test")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("needs /bin/busybox (apt-get install busybox-static)")
	}
	subid := filepath.Join(t.TempDir(), "subid")
	if err := os.WriteFile(subid, []byte("root:300000:65536\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	oldUID, oldGID := subuidFile, subgidFile
	subuidFile, subgidFile = subid, subid
	t.Cleanup(func() { subuidFile, subgidFile = oldUID, oldGID })
	state := t.TempDir()
	for d := state; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	pod := decodePod(t, `
apiVersion: v1
kind: Pod
metadata: {name: root-range}
spec:
  restartPolicy: Never
  securityContext: {runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], fsGroup: 2000}
  volumes: [{name: d, emptyDir: {}}]
  containers:
  - name: a
    image: busybox
    command: [sh, -c, "id -u; id -g; id -G; cat /proc/self/uid_map; touch /d/f && stat -c '%g %a' /d"]
    volumeMounts: [{name: d, mountPath: /d}]
`)
	p := runRootToSucceeded(t, pod, state)
	lines := strings.Split(strings.TrimSpace(p.Logs()["a"]), "\n")
	if len(lines) != 5 || lines[0] != "1000" || lines[1] != "3000" || !strings.Contains(" "+lines[2]+" ", " 4000 ") ||
		strings.Join(strings.Fields(lines[3]), " ") != "0 300000 65536" || lines[4] != "2000 2777" {
		t.Errorf("logs %q: want uid 1000, gid 3000, group 4000, ids mapped to root's range, an fsGroup volume", lines)
	}
	if entries, _ := os.ReadDir(filepath.Join(state, "pods")); len(entries) != 0 {
		t.Errorf("state left: %v", entries)
	}
}

// runRootToSucceeded runs pod with state as its state directory until it
// succeeds (60 s at most) and tears it down.
func runRootToSucceeded(t *testing.T, pod *v1.Pod, state string) *Pod {
	t.Helper()
	p, err := Start(pod, Options{Images: testImages(t), StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = p.WaitFor(t.Context(), phaseIs(v1.PodSucceeded))
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("not Succeeded: %s", describe(p.Status()))
	}
	p.Delete()
	<-p.Done()
	return p
}
