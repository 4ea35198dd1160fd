package image_test

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/podlint/podlint/runner/image"
	"github.com/podlint/podlint/runner/image/testimage"
)

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// buildRemoteImage builds a one-layer image with go-containerregistry (an
// implementation independent of testimage) and returns it.
func buildRemoteImage(t *testing.T, file, body, arch string) v1.Image {
	t.Helper()
	raw, err := testimage.Layer{Entries: []testimage.Entry{testimage.Dir("etc", 0o755), testimage.File(file, 0o644, body)}}.Tar()
	if err != nil {
		t.Fatal(err)
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", arch
	cfg.Config.Cmd = []string{"cat", "/" + file}
	cfg.Config.StopSignal = "SIGQUIT"
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestPullFromRegistry(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	single := buildRemoteImage(t, "etc/single", "one platform", runtime.GOARCH)
	if err := remote.Write(mustRef(t, host+"/podlint/single:1"), single); err != nil {
		t.Fatal(err)
	}
	// A multi-platform index: the store must pick linux/GOARCH.
	other := "s390x"
	if runtime.GOARCH == other {
		other = "arm64"
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: buildRemoteImage(t, "etc/wrong", "other platform", other), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: other}}},
		mutate.IndexAddendum{Add: buildRemoteImage(t, "etc/right", "this platform", runtime.GOARCH), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: runtime.GOARCH}}},
	)
	if err := remote.WriteIndex(mustRef(t, host+"/podlint/multi:1"), idx); err != nil {
		t.Fatal(err)
	}

	s, _ := newStore(t, image.Limits{})
	ctx := context.Background()
	tests := []struct {
		ref, file, body string
	}{
		{ref: host + "/podlint/single:1", file: "etc/single", body: "one platform"},
		{ref: host + "/podlint/multi:1", file: "etc/right", body: "this platform"},
	}
	for _, tt := range tests {
		img, err := s.Pull(ctx, tt.ref)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(img.Names, []string{tt.ref}) || img.Config.StopSignal != "SIGQUIT" || img.Platform.Architecture != runtime.GOARCH {
			t.Errorf("pulled %+v", img)
		}
		root, err := img.RootFS(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, filepath.Join(root, tt.file)); got != tt.body {
			t.Errorf("%s: %s = %q, want %q", tt.ref, tt.file, got, tt.body)
		}
	}
	// The manifest digest is the registry's, so a digest reference resolves.
	want, err := single.Digest()
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Resolve(host + "/podlint/single@" + want.String())
	if err != nil || got.Digest != want.String() {
		t.Errorf("Resolve(by digest) = %+v, %v; want digest %s", got, err, want)
	}
	// Pulling by digest works too.
	byDigest, err := s.Pull(ctx, host+"/podlint/single@"+want.String())
	if err != nil || byDigest.Digest != want.String() {
		t.Errorf("Pull(by digest) = %+v, %v", byDigest, err)
	}

	if _, err := s.Pull(ctx, host+"/podlint/missing:1"); err == nil {
		t.Error("Pull(missing) succeeded")
	}
	if list, _ := s.List(); len(list) != 2 {
		t.Errorf("List() = %d images, want 2", len(list))
	}
}
