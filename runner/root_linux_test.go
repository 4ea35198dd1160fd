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
	fields := strings.Fields(p.Logs()["a"])
	if len(fields) != 6 || fields[0] != "0" || fields[2] == "0" || fields[4] != "rootfs-ok" || fields[5] != "volume-ok" {
		t.Errorf("logs %q: want container root mapped to a non-root host uid, with a writable root filesystem and volume", fields)
	}
}
