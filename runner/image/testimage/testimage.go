// Package testimage builds small container images for tests, in the three
// formats the image store loads: an OCI image layout directory, an OCI
// archive and a docker-archive. Busybox builds the image the runner's tests
// use from Debian's busybox-static package.
package testimage

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	_ "crypto/sha256" // registers sha256 for go-digest
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Image is an image to write.
type Image struct {
	// Name is the full reference, e.g. "localhost/podlint/busybox:1.35".
	Name string
	// Created is the build time recorded in the config.
	Created time.Time
	// Config is the runtime configuration (Cmd, Env, ...).
	Config ocispec.ImageConfig
	// Layers are applied lowest first.
	Layers []Layer
}

// Layer is one layer's tar entries.
type Layer struct {
	Entries []Entry
	// Gzip stores the layer gzip-compressed.
	Gzip bool
}

// Entry is one tar entry. Header.Size is set from Body.
type Entry struct {
	Header tar.Header
	Body   []byte
}

// Epoch is the modification time of generated entries, fixed so that the
// same inputs always give the same digests.
var Epoch = time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)

// Dir returns a directory entry.
func Dir(name string, mode int64) Entry {
	return Entry{Header: tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: mode, ModTime: Epoch}}
}

// File returns a regular file entry.
func File(name string, mode int64, body string) Entry {
	return Entry{Header: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, ModTime: Epoch}, Body: []byte(body)}
}

// Symlink returns a symbolic link entry.
func Symlink(name, target string) Entry {
	return Entry{Header: tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777, ModTime: Epoch}}
}

// Hardlink returns a hard link entry.
func Hardlink(name, target string) Entry {
	return Entry{Header: tar.Header{Typeflag: tar.TypeLink, Name: name, Linkname: target, ModTime: Epoch}}
}

// Whiteout returns the entry that deletes name from lower layers.
func Whiteout(name string) Entry {
	dir, base := filepath.Split(name)
	return File(dir+".wh."+base, 0o644, "")
}

// Opaque returns the entry that hides the lower layers' content of dir.
func Opaque(dir string) Entry {
	return File(strings.TrimSuffix(dir, "/")+"/.wh..wh..opq", 0o644, "")
}

// Tar returns the layer as an uncompressed tar.
func (l Layer) Tar() ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range l.Entries {
		h := e.Header
		h.Size = int64(len(e.Body))
		if h.Format == tar.FormatUnknown {
			h.Format = tar.FormatPAX
		}
		if err := tw.WriteHeader(&h); err != nil {
			return nil, fmt.Errorf("entry %q: %w", h.Name, err)
		}
		if _, err := tw.Write(e.Body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// blobs is an image's content: the layer blobs as stored, the config and
// the manifest.
type blobs struct {
	layers   [][]byte
	config   []byte
	manifest []byte
}

func (img Image) build() (*blobs, error) {
	b := &blobs{}
	cfg := ocispec.Image{
		Created:  &img.Created,
		Platform: ocispec.Platform{OS: "linux", Architecture: runtime.GOARCH},
		Config:   img.Config,
		RootFS:   ocispec.RootFS{Type: "layers"},
	}
	m := ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest}
	for i, l := range img.Layers {
		raw, err := l.Tar()
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i+1, err)
		}
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, digest.FromBytes(raw))
		blob, mt := raw, ocispec.MediaTypeImageLayer
		if l.Gzip {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(raw)
			if err := zw.Close(); err != nil {
				return nil, err
			}
			blob, mt = z.Bytes(), ocispec.MediaTypeImageLayerGzip
		}
		b.layers = append(b.layers, blob)
		m.Layers = append(m.Layers, ocispec.Descriptor{MediaType: mt, Digest: digest.FromBytes(blob), Size: int64(len(blob))})
	}
	var err error
	if b.config, err = json.Marshal(cfg); err != nil {
		return nil, err
	}
	m.Config = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromBytes(b.config), Size: int64(len(b.config))}
	if b.manifest, err = json.Marshal(m); err != nil {
		return nil, err
	}
	return b, nil
}

// ID returns the image ID the store will give img: its config's digest.
func (img Image) ID() (string, error) {
	b, err := img.build()
	if err != nil {
		return "", err
	}
	return digest.FromBytes(b.config).String(), nil
}

// layoutFiles returns the files of an OCI image layout holding img, named
// the way BuildKit's OCI exporter names images.
func (img Image) layoutFiles() (map[string][]byte, error) {
	b, err := img.build()
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	put := func(blob []byte) { files["blobs/sha256/"+digest.FromBytes(blob).Encoded()] = blob }
	for _, l := range b.layers {
		put(l)
	}
	put(b.config)
	put(b.manifest)
	desc := ocispec.Descriptor{
		MediaType: ocispec.MediaTypeImageManifest,
		Digest:    digest.FromBytes(b.manifest),
		Size:      int64(len(b.manifest)),
	}
	if img.Name != "" {
		tag := img.Name[strings.LastIndex(img.Name, ":")+1:]
		desc.Annotations = map[string]string{"io.containerd.image.name": img.Name, ocispec.AnnotationRefName: tag}
	}
	idx := ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{desc}}
	if files["index.json"], err = json.Marshal(idx); err != nil {
		return nil, err
	}
	files[ocispec.ImageLayoutFile] = []byte(`{"imageLayoutVersion":"1.0.0"}`)
	return files, nil
}

// WriteOCILayout writes img as an OCI image layout in dir.
func WriteOCILayout(dir string, img Image) error {
	files, err := img.layoutFiles()
	if err != nil {
		return err
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// WriteOCIArchive writes img as an OCI archive: a tar of its layout.
func WriteOCIArchive(w io.Writer, img Image) error {
	files, err := img.layoutFiles()
	if err != nil {
		return err
	}
	return writeTar(w, files)
}

// WriteDockerArchive writes img in `docker save`'s format: manifest.json,
// the config as <hex>.json and each layer as <hex>/layer.tar (uncompressed
// layers) or <hex>.tar.gz (compressed ones).
func WriteDockerArchive(w io.Writer, img Image) error {
	b, err := img.build()
	if err != nil {
		return err
	}
	files := map[string][]byte{}
	cfgName := digest.FromBytes(b.config).Encoded() + ".json"
	files[cfgName] = b.config
	entry := map[string]any{"Config": cfgName, "RepoTags": []string{}}
	var layers []string
	for i, l := range b.layers {
		name := digest.FromBytes(l).Encoded() + "/layer.tar"
		if img.Layers[i].Gzip {
			name = digest.FromBytes(l).Encoded() + ".tar.gz"
		}
		files[name] = l
		layers = append(layers, name)
	}
	entry["Layers"] = layers
	if img.Name != "" {
		entry["RepoTags"] = []string{img.Name}
	}
	if files["manifest.json"], err = json.Marshal([]any{entry}); err != nil {
		return err
	}
	return writeTar(w, files)
}

func writeTar(w io.Writer, files map[string][]byte) error {
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tar.NewWriter(w)
	dirs := map[string]bool{}
	for _, n := range names {
		for d := filepath.Dir(n); d != "." && !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	var dnames []string
	for d := range dirs {
		dnames = append(dnames, d)
	}
	sort.Strings(dnames)
	for _, d := range dnames {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: Epoch}); err != nil {
			return err
		}
	}
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: int64(len(files[n])), ModTime: Epoch}); err != nil {
			return err
		}
		if _, err := tw.Write(files[n]); err != nil {
			return err
		}
	}
	return tw.Close()
}

// WriteFile writes img to path in format "oci" (a layout directory),
// "oci-archive" or "docker-archive".
func WriteFile(path, format string, img Image) error {
	if format == "oci" {
		return WriteOCILayout(path, img)
	}
	var buf bytes.Buffer
	switch format {
	case "oci-archive":
		if err := WriteOCIArchive(&buf, img); err != nil {
			return err
		}
	case "docker-archive":
		if err := WriteDockerArchive(&buf, img); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown format %q (want oci, oci-archive or docker-archive)", format)
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
