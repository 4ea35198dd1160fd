//go:build linux && cgo

package runner

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// needRange skips when the invoking user has no subordinate id range; CI's
// user has one (scripts/runner-tests.sh).
func needRange(t *testing.T) {
	t.Helper()
	canRun(t)
	if m := podIDMap(); !m.ranged() {
		t.Skipf("needs a subordinate id range: %s", m.fix)
	}
}

func TestRunAsUserGroupAndSupplementalGroups(t *testing.T) {
	needRange(t)
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: ids}
spec:
  restartPolicy: Never
  securityContext: {runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000, 5000], fsGroup: 2000}
  volumes: [{name: data, emptyDir: {}}]
  initContainers:
  - name: pod-level
    image: busybox
    command: [sh, -c, "id -u; id -g; id -G; mkdir -p /data/d/e && echo x > /data/d/e/f && stat -c '%g %a' /data /data/d/e/f; echo t > /tmp/t && cat /tmp/t"]
    volumeMounts: [{name: data, mountPath: /data}]
  containers:
  - name: container-level
    image: busybox
    securityContext: {runAsUser: 2000, runAsGroup: 0}
    command: [sh, -c, "id -u; id -g; cat /data/d/e/f"]
    volumeMounts: [{name: data, mountPath: /data}]
`)
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	lines := strings.Split(strings.TrimSpace(p.Logs()["pod-level"]), "\n")
	if len(lines) != 6 || lines[0] != "1000" || lines[1] != "3000" {
		t.Fatalf("pod-level output %q, want uid 1000, gid 3000", lines)
	}
	groups := strings.Fields(lines[2])
	for _, g := range []string{"3000", "4000", "5000", "2000"} {
		if !slices.Contains(groups, g) {
			t.Errorf("id -G = %q, want group %s (runAsGroup, supplementalGroups, fsGroup)", groups, g)
		}
	}
	// fsGroup owns the emptyDir, setgid: new files inherit the group.
	if lines[3] != "2000 2777" || !strings.HasPrefix(lines[4], "2000 ") || lines[5] != "t" {
		t.Errorf("volume and file %q, want group 2000 with the setgid bit, and a writable /tmp", lines[3:])
	}
	if got := p.Logs()["container-level"]; got != "2000\n0\nx\n" {
		t.Errorf("container-level output %q, want uid 2000, gid 0 (the container's securityContext wins)", got)
	}
}

// userImages serves busybox with the image configuration's USER set.
type userImages struct {
	Images
	user string
}

func (u userImages) Resolve(ref string) (string, ImageConfig, error) {
	root, cfg, err := u.Images.Resolve(ref)
	cfg.User = u.user
	return root, cfg, err
}

func startWith(t *testing.T, images Images, manifest string) *Pod {
	t.Helper()
	state := t.TempDir()
	p, err := Start(decodePod(t, manifest), Options{Images: images, StateDir: state})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		p.Delete()
		<-p.Done()
		if entries, _ := os.ReadDir(filepath.Join(state, "pods")); len(entries) != 0 {
			t.Errorf("state left behind: %v", entries)
		}
	})
	return p
}

func TestImageUserIsHonoured(t *testing.T) {
	needRange(t)
	for _, tc := range []struct{ user, want string }{
		{user: "nobody", want: "65534 65534"},
		{user: "1234:5678", want: "1234 5678"},
		{user: "1234", want: "1234 0"},
		{user: "nobody:root", want: "65534 0"},
	} {
		t.Run(tc.user, func(t *testing.T) {
			t.Parallel()
			p := startWith(t, userImages{testImages(t), tc.user}, `
apiVersion: v1
kind: Pod
metadata: {name: image-user}
spec:
  restartPolicy: Never
  containers:
  - {name: app, image: busybox, command: [sh, -c, 'echo $(id -u) $(id -g); echo $HOME']}
`)
			waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
			out := strings.Split(p.Logs()["app"], "\n")
			if out[0] != tc.want {
				t.Errorf("USER %s ran as %q, want %q", tc.user, out[0], tc.want)
			}
			// runc takes HOME from the image's /etc/passwd, else "/".
			if home := map[string]string{"nobody": "/nonexistent", "nobody:root": "/nonexistent"}[tc.user]; home != "" && out[1] != home || home == "" && out[1] != "/" {
				t.Errorf("HOME = %q", out[1])
			}
		})
	}
}

func TestImageUserUnknownFailsCreate(t *testing.T) {
	canRun(t)
	p := startWith(t, userImages{testImages(t), "postgres"}, `
apiVersion: v1
kind: Pod
metadata: {name: unknown-user}
spec:
  containers:
  - {name: app, image: busybox, command: ["true"]}
`)
	st := waitFor(t, p, "CreateContainerError", 30*time.Second, func(st v1.PodStatus) bool {
		cs := ctrStatus(st, "app")
		return cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CreateContainerError"
	})
	if msg := ctrStatus(st, "app").State.Waiting.Message; !strings.Contains(msg, "unable to find user postgres") {
		t.Errorf("message %q", msg)
	}
}

func TestRunAsNonRootIsEnforced(t *testing.T) {
	canRun(t)
	for _, tc := range []struct{ name, imageUser, sc, want string }{
		{name: "image root", sc: "{runAsNonRoot: true}",
			want: `container has runAsNonRoot and image will run as root (pod: "nonroot_default(UID)", container: app)`},
		{name: "image user name", imageUser: "nobody", sc: "{runAsNonRoot: true}",
			want: `container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root (pod: "nonroot_default(UID)", container: app)`},
		{name: "runAsUser 0", imageUser: "1000", sc: "{runAsNonRoot: true, runAsUser: 0}",
			want: `container's runAsUser breaks non-root policy (pod: "nonroot_default(UID)", container: app)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startWith(t, userImages{testImages(t), tc.imageUser}, `
apiVersion: v1
kind: Pod
metadata: {name: nonroot, uid: UID}
spec:
  containers:
  - {name: app, image: busybox, command: ["true"], securityContext: `+tc.sc+`}
`)
			st := waitFor(t, p, "CreateContainerConfigError", 30*time.Second, func(st v1.PodStatus) bool {
				cs := ctrStatus(st, "app")
				return cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CreateContainerConfigError"
			})
			if msg := ctrStatus(st, "app").State.Waiting.Message; msg != tc.want {
				t.Errorf("message %q\nwant    %q", msg, tc.want)
			}
			if st.Phase != v1.PodPending {
				t.Errorf("phase %s, want Pending", st.Phase)
			}
		})
	}
}

func TestRunAsNonRootAllowsNonRootUser(t *testing.T) {
	needRange(t)
	p := startWith(t, userImages{testImages(t), "1000"}, `
apiVersion: v1
kind: Pod
metadata: {name: nonroot-ok}
spec:
  restartPolicy: Never
  securityContext: {runAsNonRoot: true}
  containers:
  - {name: app, image: busybox, command: [id, -u]}
`)
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	if got := p.Logs()["app"]; got != "1000\n" {
		t.Errorf("id -u = %q", got)
	}
}

// TestNoSubordinateRangeFailsBeforeStart points the lookup at empty files:
// a Pod that needs other ids fails before anything starts, naming the fix;
// one that runs as root only still runs. Not parallel: it swaps the files.
func TestNoSubordinateRangeFailsBeforeStart(t *testing.T) {
	canRun(t)
	empty := filepath.Join(t.TempDir(), "subid")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	oldUID, oldGID := subuidFile, subgidFile
	subuidFile, subgidFile = empty, empty
	t.Cleanup(func() { subuidFile, subgidFile = oldUID, oldGID })

	for _, tc := range []struct {
		name, images, spec string
	}{
		{name: "runAsUser", spec: "securityContext: {runAsUser: 1000}\n  containers: [{name: a, image: busybox}]"},
		{name: "supplementalGroups", spec: "securityContext: {supplementalGroups: [10]}\n  containers: [{name: a, image: busybox}]"},
		{name: "image user", images: "nobody", spec: "containers: [{name: a, image: busybox}]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := t.TempDir()
			_, err := Start(decodePod(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  "+tc.spec+"\n"),
				Options{Images: userImages{testImages(t), tc.images}, StateDir: state})
			if !errors.Is(err, ErrNoSubordinateIDs) || !strings.Contains(err.Error(), ":100000:65536") || !strings.Contains(err.Error(), empty) {
				t.Errorf("err = %v, want ErrNoSubordinateIDs naming the line to add to %s", err, empty)
			}
			if _, err := os.Stat(filepath.Join(state, "pods")); !os.IsNotExist(err) {
				t.Errorf("something was created before the refusal: %v", err)
			}
		})
	}
	t.Run("root only", func(t *testing.T) {
		p := startWith(t, testImages(t), `
apiVersion: v1
kind: Pod
metadata: {name: root-only}
spec:
  restartPolicy: Never
  containers: [{name: a, image: busybox, command: [sh, -c, "id -u; wc -l < /proc/self/uid_map"]}]
`)
		waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
		if got := strings.Fields(p.Logs()["a"]); !slices.Equal(got, []string{"0", "1"}) {
			t.Errorf("uid and map lines %q, want root mapped alone", got)
		}
	})
}

// TestFilesOfOtherUsersAreRemoved has a container running as a subordinate
// id leave a directory only that id may write to, in the root filesystem and
// in an emptyDir: the invoking user cannot remove them itself, and the test
// harness checks that nothing is left.
func TestFilesOfOtherUsersAreRemoved(t *testing.T) {
	needRange(t)
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: leftovers}
spec:
  restartPolicy: OnFailure
  securityContext: {runAsUser: 1000}
  volumes: [{name: data, emptyDir: {}}]
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "mkdir -p /tmp/a/b /data/a/b && touch /tmp/a/b/f /data/a/b/f && chmod 500 /tmp/a /data/a && [ -e /data/second ] || { touch /data/second; exit 1; }"]
    volumeMounts: [{name: data, mountPath: /data}]
`)
	st := waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	if cs := ctrStatus(st, "app"); cs.RestartCount != 1 {
		t.Errorf("restarts %d, want 1", cs.RestartCount)
	}
}
