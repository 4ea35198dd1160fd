package app

import (
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/podlint/podlint/runner/image"
	"github.com/podlint/podlint/runner/image/testimage"
)

func TestImageCommands(t *testing.T) {
	t.Setenv(image.EnvStore, filepath.Join(t.TempDir(), "store"))
	img := testimage.Image{
		Name:    "localhost/podlint/cli:1",
		Created: testimage.Epoch,
		Config:  ocispec.ImageConfig{Cmd: []string{"true"}},
		Layers:  []testimage.Layer{{Gzip: true, Entries: []testimage.Entry{testimage.File("hello", 0o644, "hi")}}},
	}
	archive := filepath.Join(t.TempDir(), "cli.tar")
	if err := testimage.WriteFile(archive, "docker-archive", img); err != nil {
		t.Fatal(err)
	}
	id, err := img.ID()
	if err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		args     []string
		exit     int
		out, err string
		notOut   string
	}{
		{args: []string{"image", "ls"}, out: "NAME   ID   SIZE   CREATED"},
		{args: []string{"image", "load", archive}, out: "Loaded image: localhost/podlint/cli:1\n"},
		{args: []string{"image", "ls"}, out: "localhost/podlint/cli:1   " + strings.TrimPrefix(id, "sha256:")[:12]},
		{args: []string{"image", "ls", "--format", "json"}, out: `"id": "` + id + `"`},
		{args: []string{"image", "rm", "localhost/podlint/cli:1"}, out: "Deleted: " + id},
		{args: []string{"image", "ls"}, notOut: "cli"},
		{args: []string{"image", "rm", "localhost/podlint/cli:1"}, exit: ExitUsage, err: "image not found: localhost/podlint/cli:1"},
		{args: []string{"image", "load", filepath.Join(t.TempDir(), "missing.tar")}, exit: ExitUsage, err: "no such file"},
		{args: []string{"image", "load", t.TempDir()}, exit: ExitUsage, err: "not an OCI image layout"},
		{args: []string{"image", "pull", "Not/Valid"}, exit: ExitUsage, err: "must be lowercase"},
		{args: []string{"image", "ls", "--format", "yaml"}, exit: ExitUsage, err: "unknown format"},
	}
	for _, st := range steps {
		out, errOut, code := runCLI(t, cliCase{args: st.args})
		if code != st.exit || !strings.Contains(out, st.out) || !strings.Contains(errOut, st.err) || (st.notOut != "" && strings.Contains(out, st.notOut)) {
			t.Errorf("podlint %s: exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit %d, stdout with %q, stderr with %q", strings.Join(st.args, " "), code, out, errOut, st.exit, st.out, st.err)
		}
		if st.args[1] == "ls" && len(st.args) > 2 && code == 0 {
			var v []map[string]any
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Errorf("ls --format json: %v", err)
			}
		}
	}
}

func TestImagePull(t *testing.T) {
	t.Setenv(image.EnvStore, filepath.Join(t.TempDir(), "store"))
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	ref := strings.TrimPrefix(srv.URL, "http://") + "/podlint/pulled:1"
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, empty.Image); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, cliCase{args: []string{"image", "pull", ref}})
	if code != ExitClean || !strings.Contains(out, "Pulled "+ref+" (sha256:") {
		t.Fatalf("pull: exit %d\n%s%s", code, out, errOut)
	}
	out, _, _ = runCLI(t, cliCase{args: []string{"image", "ls"}})
	if !strings.Contains(out, ref) {
		t.Errorf("ls after pull:\n%s", out)
	}
	_, errOut, code = runCLI(t, cliCase{args: []string{"image", "pull", strings.TrimSuffix(ref, ":1") + ":missing"}})
	if code != ExitUsage || !strings.Contains(errOut, "MANIFEST_UNKNOWN") {
		t.Errorf("pull missing tag: exit %d, stderr %q", code, errOut)
	}
}
