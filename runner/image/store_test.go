package image_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/podlint/podlint/runner/image"
	"github.com/podlint/podlint/runner/image/testimage"
)

func newStore(t *testing.T, limits image.Limits) (*image.Store, *[]string) {
	t.Helper()
	var notes []string
	s, err := image.Open(image.Options{
		Root:   filepath.Join(t.TempDir(), "store"),
		Limits: limits,
		Warnf: func(format string, args ...any) {
			t.Logf("note: "+format, args...)
			notes = append(notes, format)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, &notes
}

// sample is a two-layer image with a gzip-compressed and a plain layer.
func sample(name string) testimage.Image {
	return testimage.Image{
		Name:    name,
		Created: testimage.Epoch,
		Config: ocispec.ImageConfig{
			Entrypoint: []string{"/bin/app"},
			Cmd:        []string{"--serve"},
			Env:        []string{"PATH=/bin", "MODE=test"},
			WorkingDir: "/srv",
			User:       "65534:65534",
			StopSignal: "SIGINT",
		},
		Layers: []testimage.Layer{
			{Gzip: true, Entries: []testimage.Entry{
				testimage.Dir("bin", 0o755),
				testimage.File("bin/app", 0o755, "#!/bin/sh\necho app\n"),
				testimage.Dir("srv", 0o755),
				testimage.File("srv/old.txt", 0o644, "old"),
			}},
			{Entries: []testimage.Entry{
				testimage.File("srv/index.html", 0o644, "hello"),
				testimage.Whiteout("srv/old.txt"),
			}},
		},
	}
}

// write writes img in format and returns its path.
func write(t *testing.T, format string, img testimage.Image) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "image."+format)
	if err := testimage.WriteFile(p, format, img); err != nil {
		t.Fatal(err)
	}
	return p
}

func gzipFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(b)
	zw.Close()
	out := p + ".gz"
	if err := os.WriteFile(out, z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoadFormats(t *testing.T) {
	const name = "localhost/podlint/sample:1"
	img := sample(name)
	wantID, err := img.ID()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path func(t *testing.T) string
	}{
		{name: "oci layout", path: func(t *testing.T) string { return write(t, "oci", img) }},
		{name: "oci archive", path: func(t *testing.T) string { return write(t, "oci-archive", img) }},
		{name: "docker archive", path: func(t *testing.T) string { return write(t, "docker-archive", img) }},
		{name: "gzipped docker archive", path: func(t *testing.T) string { return gzipFile(t, write(t, "docker-archive", img)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore(t, image.Limits{})
			loaded, err := s.Load(context.Background(), tt.path(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(loaded) != 1 || loaded[0].ID != wantID || !slices.Equal(loaded[0].Names, []string{name}) {
				t.Fatalf("loaded %+v, want one image %s named %s", loaded, wantID, name)
			}
			got, err := s.Resolve(name)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != wantID || !slices.Equal(got.Config.Entrypoint, []string{"/bin/app"}) || got.Config.User != "65534:65534" ||
				got.Config.StopSignal != "SIGINT" || got.Config.WorkingDir != "/srv" || !got.Created.Equal(testimage.Epoch) {
				t.Errorf("resolved %+v", got)
			}
			root, err := got.RootFS(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if s := readFile(t, filepath.Join(root, "srv/index.html")); s != "hello" {
				t.Errorf("srv/index.html = %q", s)
			}
			if _, err := os.Lstat(filepath.Join(root, "srv/old.txt")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("srv/old.txt survived its whiteout: %v", err)
			}
			if fi, err := os.Stat(filepath.Join(root, "bin/app")); err != nil || fi.Mode().Perm() != 0o755 {
				t.Errorf("bin/app: %v %v", fi, err)
			}
			// A second call returns the cached tree.
			again, err := got.RootFS(context.Background())
			if err != nil || again != root {
				t.Errorf("second RootFS = %q, %v; want %q", again, err, root)
			}
		})
	}
}

func TestLoadSameImageTwiceKeepsOneCopy(t *testing.T) {
	s, _ := newStore(t, image.Limits{})
	for _, f := range []string{"oci", "docker-archive"} {
		if _, err := s.Load(context.Background(), write(t, f, sample("localhost/a:1"))); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("List() = %d images, want 1", len(list))
	}
}

func TestListResolveRemove(t *testing.T) {
	s, _ := newStore(t, image.Limits{})
	ctx := context.Background()
	a := sample("localhost/a:1")
	b := sample("busybox")
	b.Config.Cmd = []string{"other"} // a different config, so a different ID
	for _, img := range []testimage.Image{a, b} {
		if _, err := s.Load(ctx, write(t, "oci", img)); err != nil {
			t.Fatal(err)
		}
	}
	// A second name for a, loaded from a docker-archive.
	a2 := a
	a2.Name = "localhost/a:2"
	if _, err := s.Load(ctx, write(t, "docker-archive", a2)); err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("List() = %d images, want 2", len(list))
	}
	imgA, err := s.Resolve("localhost/a:2")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(imgA.Names, []string{"localhost/a:1", "localhost/a:2"}) {
		t.Errorf("names = %v", imgA.Names)
	}
	// Short names and ID prefixes resolve.
	imgB, err := s.Resolve("busybox:latest")
	if err != nil {
		t.Fatal(err)
	}
	if byID, err := s.Resolve(strings.TrimPrefix(imgB.ID, "sha256:")[:12]); err != nil || byID.ID != imgB.ID {
		t.Errorf("Resolve(ID prefix) = %v, %v", byID, err)
	}
	if _, err := s.Resolve("localhost/missing:1"); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("Resolve(missing) error = %v, want ErrNotFound", err)
	}
	rootA, err := imgA.RootFS(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Removing one of two names untags.
	if err := s.Remove("localhost/a:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resolve("localhost/a:1"); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("a:1 still resolves: %v", err)
	}
	if _, err := os.Stat(rootA); err != nil {
		t.Errorf("untagging removed the root filesystem: %v", err)
	}
	// Removing the last name removes the image, its rootfs and its own blobs.
	if err := s.Remove("localhost/a:2"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(rootA); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("root filesystem left after remove: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.Root(), "blobs/sha256", strings.TrimPrefix(imgA.ID, "sha256:"))); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("config blob left after remove: %v", err)
	}
	// b shares its layers with a: they stay, and b still unpacks.
	root, err := imgB.RootFS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(root, "srv/index.html")); got != "hello" {
		t.Errorf("b's srv/index.html = %q", got)
	}
	if err := s.Remove("localhost/a:2"); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("second Remove error = %v, want ErrNotFound", err)
	}
}

func TestLoadRejectsTamperedBlob(t *testing.T) {
	s, _ := newStore(t, image.Limits{})
	dir := write(t, "oci", sample("localhost/a:1"))
	blobs, _ := filepath.Glob(filepath.Join(dir, "blobs/sha256/*"))
	// Flip one byte in the largest blob (a layer).
	var biggest string
	var size int64
	for _, b := range blobs {
		if fi, _ := os.Stat(b); fi.Size() > size {
			biggest, size = b, fi.Size()
		}
	}
	data, _ := os.ReadFile(biggest)
	data[len(data)/2] ^= 0xff
	os.WriteFile(biggest, data, 0o644)
	_, err := s.Load(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), "digest") {
		t.Fatalf("Load(tampered) error = %v, want a digest mismatch", err)
	}
	if list, _ := s.List(); len(list) != 0 {
		t.Errorf("tampered image listed: %v", list)
	}
	left, _ := filepath.Glob(filepath.Join(s.Root(), "blobs/sha256/*"))
	if len(left) != 0 {
		t.Errorf("blobs of the failed load left behind: %v", left)
	}
}

func TestLoadRejectsWrongDiffID(t *testing.T) {
	// A docker-archive has no layer digests: the config's diff IDs are the
	// only check, so a swapped layer must fail.
	s, _ := newStore(t, image.Limits{})
	img := sample("localhost/a:1")
	img.Layers[1].Entries = nil
	p := write(t, "docker-archive", img)
	var buf bytes.Buffer
	img.Layers[1].Entries = []testimage.Entry{testimage.File("evil", 0o644, "x")}
	if err := testimage.WriteDockerArchive(&buf, img); err != nil {
		t.Fatal(err)
	}
	// Take manifest.json and config from the first archive, layers from the second.
	merged := mergeArchives(t, p, buf.Bytes())
	_, err := s.Load(context.Background(), merged)
	if err == nil || !strings.Contains(err.Error(), "diff ID") {
		t.Fatalf("Load error = %v, want a diff ID mismatch", err)
	}
}

// mergeArchives writes a docker-archive with the first archive's
// manifest.json and config and the second's layers under the first's names.
func mergeArchives(t *testing.T, first string, second []byte) string {
	t.Helper()
	a := tarFiles(t, readFile(t, first))
	b := tarFiles(t, string(second))
	var layersA, layersB []string
	for n := range a {
		if strings.HasSuffix(n, "layer.tar") || strings.HasSuffix(n, ".tar.gz") {
			layersA = append(layersA, n)
		}
	}
	for n := range b {
		if strings.HasSuffix(n, "layer.tar") || strings.HasSuffix(n, ".tar.gz") {
			layersB = append(layersB, n)
		}
	}
	// The changed (plain) layer is the one not in both.
	for _, n := range layersA {
		if _, ok := b[n]; !ok {
			for _, m := range layersB {
				if _, ok := a[m]; !ok {
					a[n] = b[m]
				}
			}
		}
	}
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for n, data := range a {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: int64(len(data))})
		tw.Write(data)
	}
	tw.Close()
	p := filepath.Join(t.TempDir(), "merged.tar")
	os.WriteFile(p, out.Bytes(), 0o644)
	return p
}

func tarFiles(t *testing.T, data string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	tr := tar.NewReader(strings.NewReader(data))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if h.Typeflag == tar.TypeReg {
			var b bytes.Buffer
			b.ReadFrom(tr)
			files[h.Name] = b.Bytes()
		}
	}
	return files
}

func TestLoadNotAnImage(t *testing.T) {
	s, _ := newStore(t, image.Limits{})
	p := filepath.Join(t.TempDir(), "x.tar")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "hello", Size: 0, Mode: 0o644})
	tw.Close()
	os.WriteFile(p, buf.Bytes(), 0o644)
	if _, err := s.Load(context.Background(), p); err == nil || !strings.Contains(err.Error(), "manifest.json") {
		t.Errorf("Load(plain tar) error = %v", err)
	}
	if _, err := s.Load(context.Background(), t.TempDir()); err == nil || !strings.Contains(err.Error(), "index.json") {
		t.Errorf("Load(empty dir) error = %v", err)
	}
}

func TestBusybox(t *testing.T) {
	img, err := testimage.Busybox("")
	if errors.Is(err, testimage.ErrNoBusybox) {
		t.Skipf("skipping: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	s, _ := newStore(t, image.Limits{})
	if _, err := s.Load(context.Background(), write(t, "oci", img)); err != nil {
		t.Fatal(err)
	}
	bb, err := s.Resolve(testimage.BusyboxRef)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(bb.Config.Cmd, []string{"sh"}) {
		t.Errorf("Cmd = %q", bb.Config.Cmd)
	}
	root, err := bb.RootFS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(filepath.Join(root, "tmp")); err != nil || fi.Mode()&fs.ModeSticky == 0 || fi.Mode().Perm() != 0o777 {
		t.Errorf("/tmp: %v, %v; want drwxrwxrwt", fi.Mode(), err)
	}
	if target, err := os.Readlink(filepath.Join(root, "bin/sh")); err != nil || target != "/bin/busybox" {
		t.Errorf("/bin/sh -> %q, %v", target, err)
	}
	if !strings.Contains(readFile(t, filepath.Join(root, "etc/passwd")), "nobody:x:65534") {
		t.Error("/etc/passwd has no nobody")
	}
	// The unpacked binary runs: it is the real busybox, whole.
	out, err := exec.Command(filepath.Join(root, "bin/busybox"), "echo", "unpacked").Output()
	if err != nil || strings.TrimSpace(string(out)) != "unpacked" {
		t.Errorf("busybox echo: %q, %v", out, err)
	}
}

// TestLoadDocker25Archive loads the format `docker save` writes since
// Docker 25: an OCI layout whose manifest.json points into blobs/sha256.
func TestLoadDocker25Archive(t *testing.T) {
	img := sample("localhost/podlint/d25:1")
	var oci bytes.Buffer
	if err := testimage.WriteOCIArchive(&oci, img); err != nil {
		t.Fatal(err)
	}
	files := tarFiles(t, oci.String())
	var idx ocispec.Index
	mustJSON(t, files["index.json"], &idx)
	var m ocispec.Manifest
	mustJSON(t, files["blobs/sha256/"+idx.Manifests[0].Digest.Encoded()], &m)
	entry := map[string]any{"Config": "blobs/sha256/" + m.Config.Digest.Encoded(), "RepoTags": []string{"localhost/podlint/d25:1"}}
	var layers []string
	for _, l := range m.Layers {
		layers = append(layers, "blobs/sha256/"+l.Digest.Encoded())
	}
	entry["Layers"] = layers
	manifest, err := json.Marshal([]any{entry})
	if err != nil {
		t.Fatal(err)
	}
	files["manifest.json"] = manifest
	// Docker 25 names the image in index.json too; the loader must not
	// list it twice.
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for n, data := range files {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: int64(len(data))})
		tw.Write(data)
	}
	tw.Close()
	p := filepath.Join(t.TempDir(), "d25.tar")
	if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ := newStore(t, image.Limits{})
	loaded, err := s.Load(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.ID()
	if len(loaded) != 1 || loaded[0].ID != want || !slices.Equal(loaded[0].Names, []string{"localhost/podlint/d25:1"}) {
		t.Fatalf("loaded %+v", loaded)
	}
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestLoadLimits(t *testing.T) {
	img := sample("localhost/a:1")
	tests := []struct {
		name   string
		format string
		limits image.Limits
		want   string
	}{
		{name: "archive size", format: "docker-archive", limits: image.Limits{MaxArchiveBytes: 100}, want: "MaxArchiveBytes"},
		{name: "archive entries", format: "oci-archive", limits: image.Limits{MaxEntries: 3}, want: "MaxEntries"},
		{name: "archive entry size", format: "docker-archive", limits: image.Limits{MaxEntryBytes: 100}, want: "MaxEntryBytes"},
		{name: "layer decompressed size", format: "oci", limits: image.Limits{MaxUnpackedBytes: 1000}, want: "MaxUnpackedBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore(t, tt.limits)
			_, err := s.Load(context.Background(), write(t, tt.format, img))
			var le *image.LimitError
			if !errors.As(err, &le) || le.Limit != tt.want {
				t.Fatalf("Load error = %v, want a LimitError for %s", err, tt.want)
			}
		})
	}
	// Limits that only unpacking meets: the layout loads, RootFS fails.
	s, _ := newStore(t, image.Limits{MaxEntries: 3})
	loaded, err := s.Load(context.Background(), write(t, "oci", img))
	if err != nil {
		t.Fatal(err)
	}
	_, err = loaded[0].RootFS(context.Background())
	var le *image.LimitError
	if !errors.As(err, &le) || le.Limit != "MaxEntries" {
		t.Fatalf("RootFS error = %v, want a LimitError for MaxEntries", err)
	}
	if tmp, _ := os.ReadDir(filepath.Join(s.Root(), "tmp")); len(tmp) != 0 {
		t.Errorf("failed unpack left %v in tmp", tmp)
	}
}

// TestConcurrentRootFS starts several unpacks of one image at once, as
// parallel container starts do: all get the same complete tree.
func TestConcurrentRootFS(t *testing.T) {
	s, _ := newStore(t, image.Limits{})
	loaded, err := s.Load(context.Background(), write(t, "oci", sample("localhost/a:1")))
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	dirs := make(chan string, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			img, err := s.Resolve("localhost/a:1")
			if err != nil {
				errs <- err
				return
			}
			d, err := img.RootFS(context.Background())
			errs <- err
			dirs <- d
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if d := <-dirs; d != filepath.Join(s.Root(), "rootfs", strings.TrimPrefix(loaded[0].ID, "sha256:")) {
			t.Errorf("RootFS = %s", d)
		}
	}
	if got := readFile(t, filepath.Join(s.Root(), "rootfs", strings.TrimPrefix(loaded[0].ID, "sha256:"), "srv/index.html")); got != "hello" {
		t.Errorf("srv/index.html = %q", got)
	}
	if tmp, _ := os.ReadDir(filepath.Join(s.Root(), "tmp")); len(tmp) != 0 {
		t.Errorf("losing unpacks left %v in tmp", tmp)
	}
}

func TestLayoutNames(t *testing.T) {
	tests := []struct {
		name        string
		annotations map[string]string
		want        []string
	}{
		{name: "containerd name", annotations: map[string]string{"io.containerd.image.name": "docker.io/library/busybox:1.36", ocispec.AnnotationRefName: "1.36"}, want: []string{"docker.io/library/busybox:1.36"}},
		{name: "full ref.name", annotations: map[string]string{ocispec.AnnotationRefName: "busybox:1.36"}, want: []string{"docker.io/library/busybox:1.36"}},
		{name: "bare tag", annotations: map[string]string{ocispec.AnnotationRefName: "1.36"}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := write(t, "oci", sample(""))
			var idx ocispec.Index
			mustJSON(t, []byte(readFile(t, filepath.Join(dir, "index.json"))), &idx)
			idx.Manifests[0].Annotations = tt.annotations
			b, _ := json.Marshal(idx)
			os.WriteFile(filepath.Join(dir, "index.json"), b, 0o644)
			s, notes := newStore(t, image.Limits{})
			loaded, err := s.Load(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(loaded[0].Names, tt.want) {
				t.Errorf("names = %q, want %q", loaded[0].Names, tt.want)
			}
			if tt.want == nil && len(*notes) != 1 {
				t.Errorf("notes = %q, want one about the nameless image", *notes)
			}
		})
	}
}
