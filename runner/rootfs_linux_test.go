//go:build linux && cgo

package runner

import (
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// TestRootIsOverlayOfImage checks that a container's root is an overlay
// (no per-start copy of the image) whose writes stay in the container: a
// second container of the same image sees the image unchanged.
func TestRootIsOverlayOfImage(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: overlay}
spec:
  restartPolicy: Never
  initContainers:
  - name: writer
    image: busybox
    command: [sh, -c, "awk '$5 == \"/\" {print $9}' /proc/self/mountinfo; echo changed > /etc/passwd; rm /bin/true; mkdir /new"]
  containers:
  - name: reader
    image: busybox
    command: [sh, -c, "head -1 /etc/passwd; ls /bin/true; ls -d /new 2>/dev/null || echo no-new"]
`)
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	logs := p.Logs()
	if got := strings.TrimSpace(logs["writer"]); got != "overlay" {
		t.Errorf("root file system type %q, want overlay", got)
	}
	if want := "root:x:0:0:root:/root:/bin/sh\n/bin/true\nno-new\n"; logs["reader"] != want {
		t.Errorf("the next container saw another's writes: %q, want %q", logs["reader"], want)
	}
}
