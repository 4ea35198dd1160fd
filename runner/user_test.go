package runner

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

func TestResolveUser(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n# comment\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		"etc/group":  "root:x:0:\napp:x:1001:\nwheel:x:10:app,other\naudio:x:29:other\nnogroup:x:65534:\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, imageUser, spec string
		uid, gid              int64
		groups                []int64
		home, err             string
	}{
		{name: "no user is root", uid: 0, gid: 0, groups: []int64{0}, home: "/root"},
		{name: "image user name", imageUser: "app", uid: 1000, gid: 1001, groups: []int64{1001, 10}, home: "/home/app"},
		{name: "image uid in passwd", imageUser: "1000", uid: 1000, gid: 1001, groups: []int64{1001, 10}, home: "/home/app"},
		{name: "image uid not in passwd", imageUser: "1234", uid: 1234, gid: 0, groups: []int64{0}},
		{name: "image uid:gid", imageUser: "1234:5678", uid: 1234, gid: 5678, groups: []int64{5678}},
		{name: "image user:group names", imageUser: "app:audio", uid: 1000, gid: 29, groups: []int64{29, 10}, home: "/home/app"},
		{name: "unknown user", imageUser: "postgres", err: "unable to find user postgres"},
		{name: "unknown group", imageUser: "app:staff", err: "unable to find group staff"},
		{name: "runAsUser wins over the image", imageUser: "app:audio", spec: "securityContext: {runAsUser: 65534}", uid: 65534, gid: 65534, groups: []int64{65534}, home: "/nonexistent"},
		{name: "runAsGroup replaces the group", imageUser: "app", spec: "securityContext: {runAsGroup: 7}", uid: 1000, gid: 7, groups: []int64{7, 10}, home: "/home/app"},
		{name: "container over pod", spec: "securityContext: {runAsUser: 1, runAsGroup: 2}\n  containers: [{name: a, image: i, securityContext: {runAsUser: 1000}}]", uid: 1000, gid: 2, groups: []int64{2, 10}, home: "/home/app"},
		{name: "supplementalGroups and fsGroup last", spec: "securityContext: {runAsUser: 1000, supplementalGroups: [10, 40], fsGroup: 50}", uid: 1000, gid: 1001, groups: []int64{1001, 10, 40, 50}, home: "/home/app"},
		{name: "Strict ignores /etc/group", spec: "securityContext: {runAsUser: 1000, supplementalGroups: [40], supplementalGroupsPolicy: Strict}", uid: 1000, gid: 1001, groups: []int64{1001, 40}, home: "/home/app"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := podWith(t, tc.spec)
			u, err := resolveUser(pod, &pod.Spec.Containers[0], tc.imageUser, root)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.UID != tc.uid || u.GID != tc.gid || !slices.Equal(u.Groups, tc.groups) || u.Home != tc.home {
				t.Errorf("got uid %d gid %d groups %v home %q, want %d %d %v %q", u.UID, u.GID, u.Groups, u.Home, tc.uid, tc.gid, tc.groups, tc.home)
			}
		})
	}
}

func TestVerifyRunAsNonRoot(t *testing.T) {
	for _, tc := range []struct{ name, imageUser, spec, err string }{
		{name: "not asked", spec: "securityContext: {}"},
		{name: "asked, false", spec: "securityContext: {runAsNonRoot: false}"},
		{name: "image root", spec: "securityContext: {runAsNonRoot: true}", err: `container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: a)`},
		{name: "image 0:10", imageUser: "0:10", spec: "securityContext: {runAsNonRoot: true}", err: "image will run as root"},
		{name: "image uid", imageUser: "1000:0", spec: "securityContext: {runAsNonRoot: true}"},
		{name: "image name", imageUser: "app", spec: "securityContext: {runAsNonRoot: true}", err: `container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root (pod: "p_ns(u1)", container: a)`},
		{name: "runAsUser 0", imageUser: "1000", spec: "securityContext: {runAsNonRoot: true, runAsUser: 0}", err: `container's runAsUser breaks non-root policy (pod: "p_ns(u1)", container: a)`},
		{name: "runAsUser over image name", imageUser: "app", spec: "securityContext: {runAsNonRoot: true, runAsUser: 5}"},
		{name: "container asks", spec: "containers: [{name: a, image: i, securityContext: {runAsNonRoot: true}}]", err: "image will run as root"},
		{name: "container allows", spec: "securityContext: {runAsNonRoot: true}\n  containers: [{name: a, image: i, securityContext: {runAsNonRoot: false}}]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := podWith(t, tc.spec)
			err := verifyRunAsNonRoot(pod, &pod.Spec.Containers[0], tc.imageUser)
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

// podWith decodes a Pod p in namespace ns with uid u1 and the given spec
// lines; without containers it gets one named a.
func podWith(t *testing.T, spec string) *v1.Pod {
	t.Helper()
	if !strings.Contains(spec, "containers:") {
		spec += "\n  containers: [{name: a, image: i}]"
	}
	pod := &v1.Pod{}
	if err := yaml.UnmarshalStrict([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns, uid: u1}\nspec:\n  "+spec+"\n"), pod); err != nil {
		t.Fatal(err)
	}
	return pod
}
