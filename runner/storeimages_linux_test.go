//go:build linux && cgo

package runner

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/podlint/podlint/runner/image"
	"github.com/podlint/podlint/runner/image/testimage"
)

// TestImageStoreConfig runs a Pod from the image store with an image whose
// configuration sets entrypoint, cmd, env, working directory and STOPSIGNAL.
func TestImageStoreConfig(t *testing.T) {
	canRun(t)
	img := busyboxImage(t)
	img.Name = "localhost/podlint/configured:1"
	img.Config.Entrypoint = []string{"sh", "-c"}
	img.Config.Cmd = []string{"trap 'echo got QUIT; exit 0' QUIT; echo $GREETING from $(pwd); sleep 100 & wait"}
	img.Config.Env = []string{"PATH=/bin:/usr/bin", "GREETING=hi"}
	img.Config.WorkingDir = "/tmp"
	img.Config.StopSignal = "SIGQUIT"
	store := storeWith(t, img)
	pod := decodePod(t, `
apiVersion: v1
kind: Pod
metadata: {name: from-store}
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - {name: app, image: localhost/podlint/configured:1}
`)
	p, err := Start(pod, Options{Images: StoreImages{Store: store}, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.WaitFor(ctx, phaseIs(v1.PodRunning)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	p.Delete()
	<-p.Done()
	if got := p.Logs()["app"]; got != "hi from /tmp\ngot QUIT\n" {
		t.Errorf("logs %q: image entrypoint, cmd, env, workdir or STOPSIGNAL not applied", got)
	}
	if term := ctrStatus(p.Status(), "app").State.Terminated; term == nil || term.ExitCode != 0 {
		t.Errorf("terminated %+v", term)
	}
}

// TestImageStoreUser runs an image from the store whose configuration sets
// USER by name (looked up in the image's /etc/passwd) and whose layer gives
// that user a directory and a file.
func TestImageStoreUser(t *testing.T) {
	needRange(t)
	img := busyboxImage(t)
	img.Name = "localhost/podlint/user:1"
	img.Config.User = "nobody"
	// Owners an unprivileged unpack cannot apply: the runner does, in the
	// Pod's user namespace.
	home := testimage.Dir("home/nobody", 0o755)
	home.Header.Uid, home.Header.Gid = 65534, 65534
	cache := testimage.File("home/nobody/cache", 0o600, "mine\n")
	cache.Header.Uid, cache.Header.Gid = 65534, 100
	img.Layers = append(img.Layers, testimage.Layer{Entries: []testimage.Entry{home, cache}})
	store := storeWith(t, img)
	p := startWith(t, StoreImages{Store: store}, `
apiVersion: v1
kind: Pod
metadata: {name: store-user}
spec:
  restartPolicy: Never
  containers:
  - {name: app, image: localhost/podlint/user:1, command: [sh, -c, 'echo $(id -u) $(id -g) $HOME; cat /home/nobody/cache && touch /home/nobody/new && stat -c "%u %g" /home/nobody /home/nobody/cache /etc/passwd']}
`)
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	if got, want := p.Logs()["app"], "65534 65534 /nonexistent\nmine\n65534 65534\n65534 100\n0 0\n"; got != want {
		t.Errorf("logs %q, want %q: the image's USER nobody, owning what the image gave it", got, want)
	}
}

// storeWith is an image store in a temporary directory holding img, loaded
// from an OCI archive as `podlint image load` would.
func storeWith(t *testing.T, img testimage.Image) *image.Store {
	t.Helper()
	dir := t.TempDir()
	archive := filepath.Join(dir, "img.tar")
	if err := testimage.WriteFile(archive, "oci-archive", img); err != nil {
		t.Fatal(err)
	}
	store, err := image.Open(image.Options{Root: filepath.Join(dir, "store")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Load(context.Background(), archive); err != nil {
		t.Fatal(err)
	}
	return store
}

// busyboxImage is a test image of the host's busybox-static; the test is
// skipped where there is none.
func busyboxImage(t *testing.T) testimage.Image {
	t.Helper()
	img, err := testimage.Busybox("")
	if errors.Is(err, testimage.ErrNoBusybox) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return img
}
