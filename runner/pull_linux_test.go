//go:build linux && cgo

package runner

import (
	"io"
	"log"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	v1 "k8s.io/api/core/v1"

	"github.com/podlint/podlint/runner/image"
	"github.com/podlint/podlint/runner/image/testimage"
)

// testRegistry serves a busybox image as podlint/bb:1 and podlint/bb:latest
// from go-containerregistry's in-process registry on loopback and returns
// its host:port.
func testRegistry(t *testing.T) string {
	t.Helper()
	canRun(t)
	img := busyboxImage(t)
	archive := filepath.Join(t.TempDir(), "bb.tar")
	if err := testimage.WriteFile(archive, "docker-archive", img); err != nil {
		t.Fatal(err)
	}
	gimg, err := tarball.ImageFromPath(archive, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, tag := range []string{"1", "latest"} {
		ref, err := name.ParseReference(host + "/podlint/bb:" + tag)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(ref, gimg); err != nil {
			t.Fatal(err)
		}
	}
	return host
}

// storeImages is an empty image store in front of the host's busybox, as
// podlint run chains them.
func storeImages(t *testing.T) ChainImages {
	t.Helper()
	store, err := image.Open(image.Options{Root: filepath.Join(t.TempDir(), "store")})
	if err != nil {
		t.Fatal(err)
	}
	return ChainImages{StoreImages{Store: store}, testImages(t)}
}

// eventsOf returns the reason: message of c's events, in order.
func eventsOf(p *Pod, c string) []string {
	var out []string
	for _, e := range p.Events() {
		if e.Container == c {
			out = append(out, e.Reason+": "+e.Message)
		}
	}
	return out
}

// TestImagePullPolicies checks the kubelet's image manager against a
// reachable registry: Always pulls even what is present, the default for an
// untagged image is Always, IfNotPresent uses what an earlier pull brought,
// and Never runs a present image; busybox, which the store does not hold, is
// served by the host's busybox whatever the policy (podlint's offline
// stand-in).
func TestImagePullPolicies(t *testing.T) {
	host := testRegistry(t)
	p := runWith(t, `
apiVersion: v1
kind: Pod
metadata: {name: pulls}
spec:
  restartPolicy: Never
  containers:
  - {name: always, image: `+host+`/podlint/bb:1, imagePullPolicy: Always, command: [echo, a]}
  - {name: untagged, image: `+host+`/podlint/bb, command: [echo, b]}
  - {name: ifnotpresent, image: `+host+`/podlint/bb:1, imagePullPolicy: IfNotPresent, command: [echo, c]}
  - {name: always-again, image: `+host+`/podlint/bb:1, imagePullPolicy: Always, command: [echo, d]}
  - {name: never, image: `+host+`/podlint/bb:1, imagePullPolicy: Never, command: [echo, e]}
  - {name: busybox, image: busybox, command: [echo, f]}
`, Options{Images: storeImages(t)})
	waitFor(t, p, "Succeeded", 60*time.Second, phaseIs(v1.PodSucceeded))
	pulled := func(ref string) []string {
		return []string{"Pulling: Pulling image \"" + ref + "\"", "Pulled: Successfully pulled image \"" + ref + "\""}
	}
	present := func(ref string) []string {
		return []string{"Pulled: Container image \"" + ref + "\" already present on machine"}
	}
	for c, want := range map[string][]string{
		"always":       pulled(host + "/podlint/bb:1"),
		"untagged":     pulled(host + "/podlint/bb"),
		"ifnotpresent": present(host + "/podlint/bb:1"),
		"always-again": pulled(host + "/podlint/bb:1"),
		"never":        present(host + "/podlint/bb:1"),
		"busybox":      present("busybox"),
	} {
		got := eventsOf(p, c)
		if len(got) < len(want)+2 {
			t.Errorf("%s: events %q, want %q then Created, Started", c, got, want)
			continue
		}
		for i, w := range want {
			if !strings.HasPrefix(got[i], w) {
				t.Errorf("%s: event %d %q, want %q...", c, i, got[i], w)
			}
		}
		if got[len(want)] != "Created: Created container: "+c || !strings.HasPrefix(got[len(want)+1], "Started:") {
			t.Errorf("%s: events %q", c, got)
		}
	}
	if got := p.Logs()["untagged"]; got != "b\n" {
		t.Errorf("untagged logs %q", got)
	}
}

// TestImageNeverPullMissing checks imagePullPolicy Never for an image the
// store does not hold: the container waits with ErrImageNeverPull, the
// kubelet's event and "Error: ErrImageNeverPull", and nothing is pulled.
func TestImageNeverPullMissing(t *testing.T) {
	host := testRegistry(t)
	ref := host + "/podlint/bb:1"
	p := runWith(t, `
apiVersion: v1
kind: Pod
metadata: {name: never}
spec:
  containers:
  - {name: app, image: `+ref+`, imagePullPolicy: Never}
`, Options{Images: storeImages(t)})
	st := waitFor(t, p, "ErrImageNeverPull", 30*time.Second, func(st v1.PodStatus) bool {
		w := ctrStatus(st, "app").State.Waiting
		return w != nil && w.Reason == "ErrImageNeverPull"
	})
	msg := `Container image "` + ref + `" is not present with pull policy of Never`
	if w := ctrStatus(st, "app").State.Waiting; w.Message != msg || st.Phase != v1.PodPending {
		t.Errorf("waiting %+v, phase %s", w, st.Phase)
	}
	time.Sleep(200 * time.Millisecond)
	want := []string{"ErrImageNeverPull: " + msg, "Failed: Error: ErrImageNeverPull"}
	if got := eventsOf(p, "app"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events %q, want %q (once: repeats are aggregated)", got, want)
	}
}

// TestImagePullBackOff checks a pull from an unreachable registry:
// ErrImagePull with the kubelet's events, then ImagePullBackOff while the
// image back-off (10 s doubling, scaled here) runs, then another pull.
func TestImagePullBackOff(t *testing.T) {
	srv := httptest.NewServer(nil)
	host := strings.TrimPrefix(srv.URL, "http://")
	srv.Close() // nothing listens there any more
	ref := host + "/podlint/bb:1"
	p := runWith(t, `
apiVersion: v1
kind: Pod
metadata: {name: backoff}
spec:
  containers:
  - {name: app, image: `+ref+`}
`, Options{Images: storeImages(t)})
	waitFor(t, p, "a second pull", 60*time.Second, func(v1.PodStatus) bool {
		n := 0
		for _, e := range eventsOf(p, "app") {
			if strings.HasPrefix(e, "Pulling:") {
				n++
			}
		}
		return n >= 2 && ctrStatus(p.Status(), "app").State.Waiting.Reason == "ImagePullBackOff"
	})
	var reasons []string
	for _, s := range p.History() {
		if w := ctrStatus(s.Status, "app").State.Waiting; w != nil && (len(reasons) == 0 || reasons[len(reasons)-1] != w.Reason) {
			reasons = append(reasons, w.Reason)
			switch w.Reason {
			case "ErrImagePull":
				if !strings.Contains(w.Message, "connection refused") {
					t.Errorf("ErrImagePull message %q", w.Message)
				}
			case "ImagePullBackOff":
				if !strings.HasPrefix(w.Message, `Back-off pulling image "`+ref+`": ErrImagePull: `) {
					t.Errorf("ImagePullBackOff message %q", w.Message)
				}
			}
		}
		if s.Status.Phase != v1.PodPending {
			t.Errorf("phase %s", s.Status.Phase)
		}
	}
	if got := strings.Join(reasons, " "); !strings.HasPrefix(got, "PodInitializing ErrImagePull ImagePullBackOff ErrImagePull ImagePullBackOff") {
		t.Errorf("waiting reasons %s", got)
	}
	ev := eventsOf(p, "app")
	want := []string{"Pulling: ", "Failed: Failed to pull image \"" + ref + "\": ", "Failed: Error: ErrImagePull",
		"BackOff: Back-off pulling image \"" + ref + "\"", "Failed: Error: ImagePullBackOff", "Pulling: "}
	for i, w := range want {
		if i >= len(ev) || !strings.HasPrefix(ev[i], w) {
			t.Fatalf("events %q, want prefixes %q", ev, want)
		}
	}
	// The second pull waited for the scaled 10 s back-off.
	var pulls []time.Time
	for _, e := range p.Events() {
		if e.Reason == "Pulling" {
			pulls = append(pulls, e.Time)
		}
	}
	if gap := pulls[1].Sub(pulls[0]); gap < time.Duration(float64(backOffInitial)*backOffScale) {
		t.Errorf("second pull %v after the first, before the back-off", gap)
	}
}
