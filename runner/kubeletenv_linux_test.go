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

// Conformance scenarios for the environment the kubelet (1.37) builds
// around a container; each names the kubelet function it was checked
// against.

// pkg/kubelet/prober: the exec probe runner expands its command with
// kubecontainer.ExpandContainerCommandOnlyStatic(command, container.Env);
// pkg/kubelet/lifecycle/handlers.go (handlerRunner.Run) runs exec hook
// commands as written.
func TestExecProbeExpandsContainerEnv(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: probe-expand}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    env:
    - {name: MARK, value: /tmp/ready}
    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    command: [sh, -c, "touch /tmp/ready; while [ ! -f /tmp/hook ]; do sleep 0.05; done; cat /tmp/hook; exec sleep 100"]
    readinessProbe:
      periodSeconds: 1
      # $(MARK) is the env entry's value; $(POD) comes from valueFrom, which
      # the prober's expansion sees as "".
      exec: {command: [sh, -c, 'test -f "$1" && test -z "$2"', sh, "$(MARK)", "$(POD)"]}
    lifecycle:
      postStart:
        exec: {command: [sh, -c, "echo '$(MARK)' > /tmp/hook"]}
`)
	waitFor(t, p, "Ready", 30*time.Second, func(st v1.PodStatus) bool { return conditionTrue(st, v1.PodReady) })
	if got := p.Logs()["app"]; got != "$(MARK)\n" {
		t.Errorf("postStart wrote %q, want the hook command unexpanded", got)
	}
}

// pkg/kubelet/lifecycle/handlers.go, handlerRunner.runHTTPHandler: the
// response's status is never looked at; only an error from the HTTP client
// fails the hook (FailedPostStartHook, and the container is killed).
func TestHTTPHookFailsOnTransportErrorsOnly(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: http-hook-status}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: web
    image: busybox
    restartPolicy: Always
    command: [sh, -c, "mkdir -p /www && exec httpd -f -p 8080 -h /www"]
    startupProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
  containers:
  - name: notfound
    image: busybox
    command: [sleep, "100"]
    lifecycle:
      postStart:
        httpGet: {path: /missing, port: 8080}
  - name: refused
    image: busybox
    command: [sleep, "100"]
    lifecycle:
      postStart:
        httpGet: {path: /, port: 8081}
`)
	waitEvent(t, p, 30*time.Second, func(e Event) bool { return e.Reason == "FailedPostStartHook" && e.Container == "refused" })
	waitFor(t, p, "notfound running", 30*time.Second, func(st v1.PodStatus) bool {
		cs := ctrStatus(st, "notfound")
		return cs != nil && cs.State.Running != nil
	})
	time.Sleep(500 * time.Millisecond)
	for _, e := range p.Events() {
		if e.Container == "notfound" && strings.Contains(e.Reason, "Failed") {
			t.Errorf("a 404 failed the hook: %+v", e)
		}
	}
	if cs := ctrStatus(p.Status(), "notfound"); cs.RestartCount != 0 {
		t.Errorf("notfound restarted %d times", cs.RestartCount)
	}
}

// pkg/kubelet/kuberuntime/security_context.go
// (determineEffectiveSecurityContext) hands readOnlyRootFilesystem to the
// runtime as ReadonlyRootfs; pkg/kubelet/kubelet_pods.go (makeMounts,
// makeHostsMount) mounts volumes and /etc/hosts writable, and the
// termination-message file is the kubelet's writable mount; the runtime
// mounts /etc/hostname and /etc/resolv.conf read-only then.
func TestReadOnlyRootFilesystem(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: ro-root}
spec:
  restartPolicy: Never
  volumes: [{name: work, emptyDir: {}}]
  containers:
  - name: ro
    image: busybox
    securityContext: {readOnlyRootFilesystem: true}
    volumeMounts: [{name: work, mountPath: /work}]
    command: [sh, -c, 'for f in /tmp/x /etc/x /x /work/x /etc/hosts /etc/hostname /etc/resolv.conf /dev/termination-log; do if (echo >> $f) 2>/dev/null; then echo "$f rw"; else echo "$f ro"; fi; done']
  - name: rw
    image: busybox
    command: [sh, -c, 'echo >> /tmp/x && echo >> /etc/resolv.conf && echo ok']
`)
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	want := "/tmp/x ro\n/etc/x ro\n/x ro\n/work/x rw\n/etc/hosts rw\n/etc/hostname ro\n/etc/resolv.conf ro\n/dev/termination-log rw\n"
	if got := p.Logs(); got["ro"] != want || got["rw"] != "ok\n" {
		t.Errorf("logs %q, want ro: %q, rw: ok", got, want)
	}
}

// pkg/volume/emptydir: medium Memory is a tmpfs (setupTmpfs) of
// size= calculateEmptyDirMemorySize (the sizeLimit here), and like any
// emptyDir the Pod's containers share it.
func TestMemoryEmptyDirIsSharedTmpfs(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: mem-volume}
spec:
  restartPolicy: Never
  volumes: [{name: cache, emptyDir: {medium: Memory, sizeLimit: 4Mi}}]
  initContainers:
  - name: writer
    image: busybox
    volumeMounts: [{name: cache, mountPath: /cache}]
    command: [sh, -c, 'echo shared > /cache/f; stat -f -c %T /cache; df -k /cache | tail -1 | awk "{print \$2}"; dd if=/dev/zero of=/cache/big bs=1M count=5 2>/dev/null || echo full; rm /cache/big']
  containers:
  - name: reader
    image: busybox
    volumeMounts: [{name: cache, mountPath: /data}]
    command: [sh, -c, 'cat /data/f; stat -c %a /data']
`)
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	logs := p.Logs()
	if logs["writer"] != "tmpfs\n4096\nfull\n" || logs["reader"] != "shared\n1777\n" {
		t.Errorf("logs %q", logs)
	}
}

// pkg/kubelet/kubelet_pods.go, GeneratePodHostNameAndDomain and
// truncatePodHostnameIfNeeded: the Pod's name cut to 63 characters without
// a trailing '-' or '.'; the runtime writes it to /etc/hostname and
// HOSTNAME.
func TestLongPodNameHostname(t *testing.T) {
	name := strings.Repeat("a", 60) + "-b.c-0123456789"
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: `+name+`}
spec:
  restartPolicy: Never
  containers:
  - {name: a, image: busybox, command: [sh, -c, 'hostname; cat /etc/hostname; echo $HOSTNAME']}
`)
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	h := strings.Repeat("a", 60) + "-b"
	if got := p.Logs()["a"]; got != h+"\n"+h+"\n"+h+"\n" {
		t.Errorf("logs %q, want %s three times", got, h)
	}
}

// pkg/kubelet/kubelet_pods.go, GeneratePodHostNameAndDomain:
// hostnameOverride (GA in 1.37) wins over spec.hostname and drops the
// subdomain, so setHostnameAsFQDN has no domain to add
// (util.GetNodenameForKernel).
func TestHostnameOverride(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: override}
spec:
  restartPolicy: Never
  hostname: db-0
  subdomain: db
  setHostnameAsFQDN: true
  hostnameOverride: node-7.example.com
  containers:
  - {name: a, image: busybox, command: [sh, -c, 'hostname; cat /etc/hostname; tail -1 /etc/hosts']}
`)
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	if got := p.Logs()["a"]; got != "node-7.example.com\nnode-7.example.com\n127.0.0.1\tnode-7.example.com\n" {
		t.Errorf("logs %q", got)
	}
}

// pkg/kubelet/kubelet_pods.go, managedHostsFileContent and
// hostsEntriesFromHostAliases, with GeneratePodHostNameAndDomain's FQDN;
// util.GetNodenameForKernel for setHostnameAsFQDN.
func TestEtcHostsIsTheKubeletsFile(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: hosts, namespace: team}
spec:
  restartPolicy: Never
  hostname: db-0
  subdomain: db
  setHostnameAsFQDN: true
  hostAliases:
  - {ip: 10.1.2.3, hostnames: [foo.local, bar.local]}
  - {ip: "fd00::1", hostnames: [v6.local]}
  containers:
  - {name: a, image: busybox, command: [sh, -c, 'hostname; cat /etc/hosts']}
`)
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	want := "db-0.db.team.svc.cluster.local\n" +
		"# Kubernetes-managed hosts file.\n" +
		"127.0.0.1\tlocalhost\n" +
		"::1\tlocalhost ip6-localhost ip6-loopback\n" +
		"fe00::0\tip6-localnet\n" +
		"fe00::0\tip6-mcastprefix\n" +
		"fe00::1\tip6-allnodes\n" +
		"fe00::2\tip6-allrouters\n" +
		"127.0.0.1\tdb-0.db.team.svc.cluster.local\tdb-0\n" +
		"\n" +
		"# Entries added by HostAliases.\n" +
		"10.1.2.3\tfoo.local\tbar.local\n" +
		"fd00::1\tv6.local\n"
	if got := p.Logs()["a"]; got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// pkg/kubelet/network/dns/dns.go, Configurer.GetPodDNS: the dnsPolicy's base
// (ClusterFirst: the cluster DNS server, the cluster search path before the
// node's, ndots:5; Default: the node's resolv.conf; None: nothing) with
// dnsConfig appended by appendDNSConfig; the runtime writes search,
// nameserver and options lines.
func TestResolvConfPerDNSPolicy(t *testing.T) {
	node := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(node, []byte("nameserver 192.0.2.53\nsearch corp.example\noptions timeout:2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dns := &DNS{ClusterDNS: []string{"10.96.0.10"}, ClusterDomain: "cluster.local", ResolvConf: node}
	p := runWith(t, `
apiVersion: v1
kind: Pod
metadata: {name: dns, namespace: team}
spec:
  restartPolicy: Never
  dnsConfig:
    nameservers: [192.0.2.99]
    searches: [extra.example]
    options: [{name: ndots, value: "2"}, {name: edns0}]
  containers:
  - {name: a, image: busybox, command: [cat, /etc/resolv.conf]}
`, Options{DNS: dns})
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	want := "search team.svc.cluster.local svc.cluster.local cluster.local corp.example extra.example\n" +
		"nameserver 10.96.0.10\nnameserver 192.0.2.99\noptions ndots:2 edns0\n"
	if got := p.Logs()["a"]; got != want {
		t.Errorf("ClusterFirst:\n%s\nwant:\n%s", got, want)
	}
}

func TestResolvConfDefaultAndNone(t *testing.T) {
	node := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(node, []byte("nameserver 192.0.2.53\nsearch corp.example\noptions timeout:2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dns := &DNS{ClusterDNS: []string{"10.96.0.10"}, ClusterDomain: "cluster.local", ResolvConf: node}
	for _, tc := range []struct{ policy, config, want string }{
		{"Default", "", "search corp.example\nnameserver 192.0.2.53\noptions timeout:2\n"},
		{"None", "{nameservers: [192.0.2.1], searches: [a.example]}", "search a.example\nnameserver 192.0.2.1\n"},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			cfg := ""
			if tc.config != "" {
				cfg = "\n  dnsConfig: " + tc.config
			}
			p := runWith(t, `
apiVersion: v1
kind: Pod
metadata: {name: dns-`+strings.ToLower(tc.policy)+`}
spec:
  restartPolicy: Never
  dnsPolicy: `+tc.policy+cfg+`
  containers:
  - {name: a, image: busybox, command: [cat, /etc/resolv.conf]}
`, Options{DNS: dns})
			waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
			if got := p.Logs()["a"]; got != tc.want {
				t.Errorf("%s:\n%s\nwant:\n%s", tc.policy, got, tc.want)
			}
		})
	}
}

// pkg/volume/emptydir (SetUpAt): after the tmpfs is mounted the kubelet
// applies fsGroup with volume.SetVolumeOwnership: the fsGroup's, group
// writable, setgid, on top of the tmpfs root's 1777.
func TestMemoryEmptyDirFSGroup(t *testing.T) {
	needRange(t)
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: mem-fsgroup}
spec:
  restartPolicy: Never
  securityContext: {fsGroup: 2345, runAsUser: 1000, runAsGroup: 1000}
  volumes: [{name: cache, emptyDir: {medium: Memory}}]
  containers:
  - name: a
    image: busybox
    volumeMounts: [{name: cache, mountPath: /cache}]
    command: [sh, -c, 'stat -f -c %T /cache; stat -c "%g %a" /cache; touch /cache/f && stat -c "%u %g" /cache/f']
`)
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	if got := p.Logs()["a"]; got != "tmpfs\n2345 3777\n1000 2345\n" {
		t.Errorf("logs %q", got)
	}
}

// pkg/kubelet/kubelet_pods.go, makeMounts: a subPath of a Memory emptyDir is
// created in the volume when missing and must stay in it
// (subpather.PrepareSafeSubpath); one through a symlink the kubelet would
// resolve inside the volume is refused here rather than followed to the
// host.
func TestMemoryEmptyDirSubPath(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: mem-subpath}
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{name: cache, emptyDir: {medium: Memory}}]
  initContainers:
  - name: mk
    image: busybox
    volumeMounts: [{name: cache, mountPath: /cache}]
    command: [sh, -c, 'mkdir /cache/d && echo hi > /cache/d/f && ln -s /etc /cache/link']
  containers:
  - name: a
    image: busybox
    volumeMounts: [{name: cache, mountPath: /data, subPath: d}, {name: cache, mountPath: /new, subPath: new/dir}]
    command: [sh, -c, 'cat /data/f; stat -f -c %T /new; sleep 100']
  - name: b
    image: busybox
    volumeMounts: [{name: cache, mountPath: /x, subPath: link}]
    command: [ls, /x]
`)
	waitFor(t, p, "b refused", 30*time.Second, func(st v1.PodStatus) bool {
		cs := ctrStatus(st, "b")
		return cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CreateContainerConfigError" &&
			strings.Contains(cs.State.Waiting.Message, "symlink")
	})
	waitFor(t, p, "a running", 30*time.Second, func(st v1.PodStatus) bool {
		cs := ctrStatus(st, "a")
		return cs != nil && cs.State.Running != nil
	})
	time.Sleep(300 * time.Millisecond)
	if got := p.Logs()["a"]; got != "hi\ntmpfs\n" {
		t.Errorf("a: %q", got)
	}
}
