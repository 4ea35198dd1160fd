//go:build linux && cgo

package runner

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/sys/capability"
	v1 "k8s.io/api/core/v1"
)

// TestCapabilitiesAndNoNewPrivs reads what the kernel says each container
// holds: the add and drop lists change the effective set, and no_new_privs is
// set only where allowPrivilegeEscalation is false.
func TestCapabilitiesAndNoNewPrivs(t *testing.T) {
	canRun(t)
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: caps}
spec:
  restartPolicy: Never
  containers:
  - name: default
    image: busybox
    command: [sh, -c, "grep -E '^(CapEff|NoNewPrivs):' /proc/self/status"]
  - name: add-drop
    image: busybox
    command: [sh, -c, "grep -E '^(CapEff|NoNewPrivs):' /proc/self/status"]
    securityContext:
      capabilities: {add: [NET_ADMIN], drop: [NET_RAW, MKNOD]}
  - name: restricted
    image: busybox
    command: [sh, -c, "grep -E '^(CapEff|NoNewPrivs):' /proc/self/status"]
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
`)
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	logs := p.Logs()
	read := func(name string) (caps uint64, nnp string) {
		for _, l := range strings.Split(logs[name], "\n") {
			k, v, ok := strings.Cut(l, ":")
			v = strings.TrimSpace(v)
			switch {
			case !ok:
			case k == "CapEff":
				n, err := strconv.ParseUint(v, 16, 64)
				if err != nil {
					t.Fatalf("%s: CapEff %q: %v", name, v, err)
				}
				caps = n
			case k == "NoNewPrivs":
				nnp = v
			}
		}
		return caps, nnp
	}
	bit := func(c capability.Cap) uint64 { return 1 << uint(c) }
	def, nnp := read("default")
	if def&bit(capability.CAP_NET_RAW) == 0 || def&bit(capability.CAP_NET_ADMIN) != 0 || nnp != "0" {
		t.Errorf("default container: CapEff %x NoNewPrivs %s, want the runtime's default set (NET_RAW, not NET_ADMIN) and no_new_privs off", def, nnp)
	}
	got, nnp := read("add-drop")
	if want := def&^bit(capability.CAP_NET_RAW)&^bit(capability.CAP_MKNOD) | bit(capability.CAP_NET_ADMIN); got != want || nnp != "0" {
		t.Errorf("add-drop container: CapEff %x NoNewPrivs %s, want %x and no_new_privs off", got, nnp, want)
	}
	got, nnp = read("restricted")
	if got != bit(capability.CAP_NET_BIND_SERVICE) || nnp != "1" {
		t.Errorf("restricted container: CapEff %x NoNewPrivs %s, want NET_BIND_SERVICE only and no_new_privs on", got, nnp)
	}
}
