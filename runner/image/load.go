package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Media types of Docker's distribution format, which registries and
// `docker save` still use next to the OCI ones.
const (
	dockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	dockerLayerGzip    = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	dockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
)

// Annotations that name an image in an OCI layout: containerd and BuildKit
// write the full reference in the first, the spec's own holds a tag or a
// full reference.
const (
	annotationContainerdName = "io.containerd.image.name"
)

// Load reads the image archive or directory at path into the store and
// returns the images it held. path is a docker-archive (`docker save`), an
// OCI image layout directory, or an OCI archive (a tar of a layout); a
// gzip-compressed archive and gzip-compressed layers are read too. Names
// come from the archive (manifest.json RepoTags, or the layout's
// io.containerd.image.name or full org.opencontainers.image.ref.name
// annotations) and move to the loaded image from any image that had them.
func (s *Store) Load(ctx context.Context, p string) ([]*Image, error) {
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	imgs, err := s.load(ctx, p)
	if err != nil {
		// Blobs of a half-loaded image are unreferenced: drop them.
		if idx, ierr := s.readIndex(); ierr == nil {
			_ = s.gc(idx)
		}
		return nil, fmt.Errorf("load %s: %w", p, err)
	}
	return imgs, nil
}

func (s *Store) load(ctx context.Context, p string) ([]*Image, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	var src source
	if fi.IsDir() {
		root, err := os.OpenRoot(p)
		if err != nil {
			return nil, err
		}
		src = &dirSource{root: root}
	} else {
		ts, err := s.openTar(p, fi.Size())
		if err != nil {
			return nil, err
		}
		src = ts
	}
	defer src.Close()
	var recs []record
	switch {
	case src.has("manifest.json"):
		recs, err = s.loadDockerArchive(ctx, src)
	case src.has("index.json"):
		recs, err = s.loadOCILayout(ctx, src)
	case fi.IsDir():
		return nil, errors.New("not an OCI image layout (no index.json)")
	default:
		return nil, errors.New("neither a docker-archive (no manifest.json) nor an OCI archive (no index.json)")
	}
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, errors.New("no image found")
	}
	var out []*Image
	for _, r := range recs {
		if err := s.addImage(r); err != nil {
			return nil, err
		}
	}
	// Read back after all records: a later image may have taken a name.
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		for _, ir := range idx.Images {
			if ir.ID == r.ID {
				img, err := s.image(ir)
				if err != nil {
					return nil, err
				}
				out = append(out, img)
				break
			}
		}
	}
	return out, nil
}

// source is an archive's or a directory's files, by slash-separated name.
type source interface {
	has(name string) bool
	open(name string) (io.ReadCloser, error)
	Close() error
}

type dirSource struct{ root *os.Root }

func (d *dirSource) has(name string) bool {
	fi, err := d.root.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}

func (d *dirSource) open(name string) (io.ReadCloser, error) {
	// os.Root refuses names and symlinks that leave the layout directory.
	f, err := d.root.Open(name)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	return f, nil
}

func (d *dirSource) Close() error { return d.root.Close() }

// tarSource indexes a tar file once and then reads entries in place.
type tarSource struct {
	f       *os.File
	tmp     string // decompressed copy to remove on Close, if any
	entries map[string]tarEntry
}

type tarEntry struct {
	typ  byte
	off  int64
	size int64
	link string
}

// openTar indexes the tar (or gzip-compressed tar) at p, checking the
// archive size, entry count, entry size and name length limits.
func (s *Store) openTar(p string, size int64) (*tarSource, error) {
	lim := s.limits
	if size > lim.MaxArchiveBytes {
		return nil, &LimitError{Limit: "MaxArchiveBytes", Max: lim.MaxArchiveBytes, Where: p}
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	ts := &tarSource{f: f, entries: map[string]tarEntry{}}
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	if compression(magic[:n]) == "gzip" {
		// `docker save | gzip`: entries need random access, so decompress
		// to a file first.
		zr, err := gzip.NewReader(bufio.NewReader(f))
		if err != nil {
			f.Close()
			return nil, err
		}
		tmp, err := os.CreateTemp(filepath.Join(s.root, "tmp"), "archive-")
		if err != nil {
			f.Close()
			return nil, err
		}
		ts.tmp = tmp.Name()
		n, err := io.Copy(tmp, io.LimitReader(zr, lim.MaxArchiveBytes+1))
		f.Close()
		ts.f = tmp
		if err != nil {
			ts.Close()
			return nil, fmt.Errorf("decompress: %w", err)
		}
		if n > lim.MaxArchiveBytes {
			ts.Close()
			return nil, &LimitError{Limit: "MaxArchiveBytes", Max: lim.MaxArchiveBytes, Where: p + " (decompressed)"}
		}
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			ts.Close()
			return nil, err
		}
	}
	tr := tar.NewReader(ts.f)
	var count int64
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			ts.Close()
			return nil, fmt.Errorf("read archive: %w", err)
		}
		count++
		if count > lim.MaxEntries {
			ts.Close()
			return nil, &LimitError{Limit: "MaxEntries", Max: lim.MaxEntries, Where: p}
		}
		if int64(len(hdr.Name)) > lim.MaxPathBytes || int64(len(hdr.Linkname)) > lim.MaxPathBytes {
			ts.Close()
			return nil, &LimitError{Limit: "MaxPathBytes", Max: lim.MaxPathBytes, Where: fmt.Sprintf("%s: entry %.64q", p, hdr.Name)}
		}
		name, ok := archiveName(hdr.Name)
		if !ok {
			continue // never looked up: names come from manifest.json or digests
		}
		e := tarEntry{typ: hdr.Typeflag, size: hdr.Size, link: hdr.Linkname}
		if hdr.Typeflag == tar.TypeReg {
			if hdr.Size > lim.MaxEntryBytes {
				ts.Close()
				return nil, &LimitError{Limit: "MaxEntryBytes", Max: lim.MaxEntryBytes, Where: fmt.Sprintf("%s: entry %q", p, name)}
			}
			// archive/tar reads exactly the header blocks, so the file
			// offset is where this entry's data starts.
			if e.off, err = ts.f.Seek(0, io.SeekCurrent); err != nil {
				ts.Close()
				return nil, err
			}
		}
		ts.entries[name] = e
	}
	return ts, nil
}

// archiveName cleans a name inside an image archive; names leaving the
// archive are dropped.
func archiveName(n string) (string, bool) {
	n = path.Clean("/" + strings.TrimPrefix(n, "./"))
	n = strings.TrimPrefix(n, "/")
	if n == "" || strings.HasPrefix(n, "../") {
		return "", false
	}
	return n, true
}

// lookup follows symlinks and hard links (old `docker save` links identical
// layers) inside the archive.
func (t *tarSource) lookup(name string) (tarEntry, bool) {
	name, ok := archiveName(name)
	for hops := 0; ok && hops < 16; hops++ {
		e, found := t.entries[name]
		if !found {
			return tarEntry{}, false
		}
		switch e.typ {
		case tar.TypeReg:
			return e, true
		case tar.TypeSymlink:
			target := e.link
			if !strings.HasPrefix(target, "/") {
				target = path.Join(path.Dir(name), target)
			}
			name, ok = archiveName(target)
		case tar.TypeLink:
			name, ok = archiveName(e.link)
		default:
			return tarEntry{}, false
		}
	}
	return tarEntry{}, false
}

func (t *tarSource) has(name string) bool { _, ok := t.lookup(name); return ok }

func (t *tarSource) open(name string) (io.ReadCloser, error) {
	e, ok := t.lookup(name)
	if !ok {
		return nil, fmt.Errorf("%s: not in archive", name)
	}
	return io.NopCloser(io.NewSectionReader(t.f, e.off, e.size)), nil
}

func (t *tarSource) Close() error {
	err := t.f.Close()
	if t.tmp != "" {
		os.Remove(t.tmp)
	}
	return err
}

func readAllBounded(src source, name string) ([]byte, error) {
	rc, err := src.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxMetadataBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxMetadataBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, maxMetadataBytes)
	}
	return b, nil
}

// dockerArchiveEntry is one element of a docker-archive's manifest.json.
type dockerArchiveEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// blobNameRE matches the names from which a digest can be taken: old
// docker-archives name the config "<hex>.json", Docker 25 and later use an
// OCI layout inside ("blobs/sha256/<hex>").
var blobNameRE = regexp.MustCompile(`^(?:blobs/sha256/)?([0-9a-f]{64})(?:\.json)?$`)

func (s *Store) loadDockerArchive(ctx context.Context, src source) ([]record, error) {
	b, err := readAllBounded(src, "manifest.json")
	if err != nil {
		return nil, err
	}
	var entries []dockerArchiveEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	var recs []record
	for i, e := range entries {
		where := fmt.Sprintf("manifest.json[%d]", i)
		cfgRaw, err := readAllBounded(src, e.Config)
		if err != nil {
			return nil, fmt.Errorf("%s: config: %w", where, err)
		}
		var cfgWant string
		if m := blobNameRE.FindStringSubmatch(e.Config); m != nil {
			cfgWant = "sha256:" + m[1]
		}
		var layers []pendingLayer
		for _, l := range e.Layers {
			var want string
			if m := blobNameRE.FindStringSubmatch(l); m != nil && strings.HasPrefix(l, "blobs/") {
				want = "sha256:" + m[1]
			}
			layers = append(layers, pendingLayer{name: l, want: want, open: func() (io.ReadCloser, error) { return src.open(l) }})
		}
		r, err := s.importImage(ctx, pendingImage{where: where, config: cfgRaw, configWant: cfgWant, layers: layers})
		if err != nil {
			return nil, err
		}
		for _, t := range e.RepoTags {
			n, err := NormalizeReference(t)
			if err != nil {
				s.warnf("%s: ignoring name: %v", where, err)
				continue
			}
			r.Names = append(r.Names, n)
		}
		recs = append(recs, r)
	}
	return recs, nil
}

func (s *Store) loadOCILayout(ctx context.Context, src source) ([]record, error) {
	if b, err := readAllBounded(src, ocispec.ImageLayoutFile); err != nil {
		return nil, fmt.Errorf("not an OCI image layout: %w", err)
	} else {
		var l ocispec.ImageLayout
		if err := json.Unmarshal(b, &l); err != nil || l.Version != ocispec.ImageLayoutVersion {
			return nil, fmt.Errorf("%s: unsupported layout version (want %s)", ocispec.ImageLayoutFile, ocispec.ImageLayoutVersion)
		}
	}
	b, err := readAllBounded(src, "index.json")
	if err != nil {
		return nil, err
	}
	var idx ocispec.Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	var recs []record
	for i, d := range idx.Manifests {
		where := fmt.Sprintf("index.json manifests[%d]", i)
		r, err := s.loadOCIDescriptor(ctx, src, d, where, 0)
		if err != nil {
			return nil, err
		}
		if n := layoutName(d.Annotations); n != "" {
			if norm, err := NormalizeReference(n); err == nil {
				r.Names = append(r.Names, norm)
			} else {
				s.warnf("%s: ignoring name: %v", where, err)
			}
		} else if tag := d.Annotations[ocispec.AnnotationRefName]; tag != "" {
			s.warnf("%s: %s %q is a tag without a repository, so the image has no name; use its ID", where, ocispec.AnnotationRefName, tag)
		}
		// One layout may list the same image under several names.
		merged := false
		for j := range recs {
			if recs[j].ID == r.ID {
				recs[j].Names = append(recs[j].Names, r.Names...)
				merged = true
			}
		}
		if !merged {
			recs = append(recs, r)
		}
	}
	return recs, nil
}

// layoutName returns the reference an OCI layout gives a manifest. A bare
// tag in org.opencontainers.image.ref.name ("1.35", as skopeo and BuildKit
// write it) names no repository, so it is not used; a tag cannot contain
// '/', ':' or '@', so a value with any of them is a reference.
func layoutName(a map[string]string) string {
	if n := a[annotationContainerdName]; n != "" {
		return n
	}
	if n := a[ocispec.AnnotationRefName]; strings.ContainsAny(n, "/:@") {
		return n
	}
	return ""
}

func readBlob(src source, d ocispec.Descriptor) ([]byte, error) {
	if err := checkDigest(string(d.Digest)); err != nil {
		return nil, err
	}
	b, err := readAllBounded(src, "blobs/sha256/"+d.Digest.Encoded())
	if err != nil {
		return nil, err
	}
	if got := digest.FromBytes(b); got != d.Digest {
		return nil, fmt.Errorf("blob %s: digest mismatch: content is %s", d.Digest, got)
	}
	if d.Size != 0 && int64(len(b)) != d.Size {
		return nil, fmt.Errorf("blob %s: size %d, descriptor says %d", d.Digest, len(b), d.Size)
	}
	return b, nil
}

func (s *Store) loadOCIDescriptor(ctx context.Context, src source, d ocispec.Descriptor, where string, depth int) (record, error) {
	switch d.MediaType {
	case ocispec.MediaTypeImageIndex, dockerManifestList:
		if depth >= 4 {
			return record{}, fmt.Errorf("%s: image indexes nested too deep", where)
		}
		b, err := readBlob(src, d)
		if err != nil {
			return record{}, fmt.Errorf("%s: %w", where, err)
		}
		var idx ocispec.Index
		if err := json.Unmarshal(b, &idx); err != nil {
			return record{}, fmt.Errorf("%s: %w", where, err)
		}
		for i, m := range idx.Manifests {
			if m.Platform == nil || (m.Platform.OS == "linux" && m.Platform.Architecture == runtime.GOARCH) {
				return s.loadOCIDescriptor(ctx, src, m, fmt.Sprintf("%s manifests[%d]", where, i), depth+1)
			}
		}
		return record{}, fmt.Errorf("%s: no image for linux/%s", where, runtime.GOARCH)
	case ocispec.MediaTypeImageManifest, dockerManifest:
		b, err := readBlob(src, d)
		if err != nil {
			return record{}, fmt.Errorf("%s: %w", where, err)
		}
		var m ocispec.Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			return record{}, fmt.Errorf("%s: %w", where, err)
		}
		cfg, err := readBlob(src, m.Config)
		if err != nil {
			return record{}, fmt.Errorf("%s: config: %w", where, err)
		}
		var layers []pendingLayer
		for _, l := range m.Layers {
			if err := checkDigest(string(l.Digest)); err != nil {
				return record{}, fmt.Errorf("%s: layer: %w", where, err)
			}
			name := "blobs/sha256/" + l.Digest.Encoded()
			layers = append(layers, pendingLayer{name: name, want: string(l.Digest), size: l.Size, mediaType: l.MediaType,
				open: func() (io.ReadCloser, error) { return src.open(name) }})
		}
		return s.importImage(ctx, pendingImage{where: where, manifest: b, manifestWant: string(d.Digest), config: cfg, configWant: string(m.Config.Digest), layers: layers})
	default:
		return record{}, fmt.Errorf("%s: unsupported media type %q", where, d.MediaType)
	}
}

// pendingImage is an image on its way into the store, from any source.
type pendingImage struct {
	where        string
	manifest     []byte // nil: build an OCI manifest (docker-archive)
	manifestWant string
	config       []byte
	configWant   string
	layers       []pendingLayer
}

type pendingLayer struct {
	name      string
	want      string // expected blob digest, if known
	size      int64  // expected size, if known
	mediaType string // as declared, if known
	open      func() (io.ReadCloser, error)
}

// importImage stores an image's blobs, verifying each blob against its
// digest and each layer's content against the config's diff IDs.
func (s *Store) importImage(ctx context.Context, p pendingImage) (record, error) {
	var cfg ocispec.Image
	if err := json.Unmarshal(p.config, &cfg); err != nil {
		return record{}, fmt.Errorf("%s: config: %w", p.where, err)
	}
	if cfg.RootFS.Type != "layers" || len(cfg.RootFS.DiffIDs) != len(p.layers) {
		return record{}, fmt.Errorf("%s: config lists %d layers (rootfs type %q), the image has %d", p.where, len(cfg.RootFS.DiffIDs), cfg.RootFS.Type, len(p.layers))
	}
	if cfg.OS != "" && cfg.OS != "linux" {
		return record{}, fmt.Errorf("%s: image is for %s, not linux", p.where, cfg.OS)
	}
	cfgDigest, cfgSize, err := s.putBlob(bytes.NewReader(p.config), p.configWant, maxMetadataBytes, p.where+": config")
	if err != nil {
		return record{}, err
	}
	var descs []ocispec.Descriptor
	for i, l := range p.layers {
		if err := ctx.Err(); err != nil {
			return record{}, err
		}
		where := fmt.Sprintf("%s: layer %d (%s)", p.where, i+1, l.name)
		if l.mediaType == dockerForeignLayer || strings.Contains(l.mediaType, "nondistributable") {
			return record{}, fmt.Errorf("%s: foreign (non-distributable) layers are not supported", where)
		}
		var d string
		var size int64
		if l.want != "" && checkDigest(l.want) == nil && s.blobSize(l.want) > 0 {
			// Already stored (and verified then): skip the download.
			d, size = l.want, s.blobSize(l.want)
		} else {
			rc, err := l.open()
			if err != nil {
				return record{}, fmt.Errorf("%s: %w", where, err)
			}
			d, size, err = s.putBlob(rc, l.want, s.limits.MaxArchiveBytes, where)
			rc.Close()
			if err != nil {
				return record{}, err
			}
		}
		if l.size != 0 && size != l.size {
			return record{}, fmt.Errorf("%s: size %d, descriptor says %d", where, size, l.size)
		}
		comp, err := s.verifyDiffID(d, string(cfg.RootFS.DiffIDs[i]), where)
		if err != nil {
			return record{}, err
		}
		mt := ocispec.MediaTypeImageLayer
		if comp == "gzip" {
			mt = ocispec.MediaTypeImageLayerGzip
		}
		descs = append(descs, ocispec.Descriptor{MediaType: mt, Digest: digest.Digest(d), Size: size})
	}
	manifest := p.manifest
	if manifest == nil {
		m := ocispec.Manifest{
			MediaType: ocispec.MediaTypeImageManifest,
			Config:    ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.Digest(cfgDigest), Size: cfgSize},
			Layers:    descs,
		}
		m.SchemaVersion = 2
		if manifest, err = json.Marshal(m); err != nil {
			return record{}, err
		}
	}
	md, _, err := s.putBlob(bytes.NewReader(manifest), p.manifestWant, maxMetadataBytes, p.where+": manifest")
	if err != nil {
		return record{}, err
	}
	return record{ID: cfgDigest, Manifest: md, Loaded: time.Now().UTC()}, nil
}

// compression names a blob's compression from its first bytes; media types
// lie more often than magic numbers do.
func compression(magic []byte) string {
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		return "gzip"
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return "zstd"
	}
	return ""
}

// openLayer opens a stored layer blob, decompressing it if needed.
func (s *Store) openLayer(d string) (io.ReadCloser, string, error) {
	f, err := os.Open(s.blobPath(d))
	if err != nil {
		return nil, "", err
	}
	br := bufio.NewReader(f)
	magic, _ := br.Peek(4)
	switch c := compression(magic); c {
	case "gzip":
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, "", err
		}
		return struct {
			io.Reader
			io.Closer
		}{zr, f}, c, nil
	case "zstd":
		f.Close()
		return nil, "", errors.New("zstd-compressed layers are not supported (use gzip)")
	}
	return struct {
		io.Reader
		io.Closer
	}{br, f}, "", nil
}

// verifyDiffID checks that the stored layer d decompresses to want, within
// the unpacked size limit, and returns its compression.
func (s *Store) verifyDiffID(d, want, where string) (string, error) {
	rc, comp, err := s.openLayer(d)
	if err != nil {
		return "", fmt.Errorf("%s: %w", where, err)
	}
	defer rc.Close()
	h := sha256.New()
	max := s.limits.MaxUnpackedBytes
	n, err := io.Copy(h, io.LimitReader(rc, max+1))
	if err != nil {
		return "", fmt.Errorf("%s: %w", where, err)
	}
	if n > max {
		return "", &LimitError{Limit: "MaxUnpackedBytes", Max: max, Where: where + " (decompressed)"}
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != want {
		return "", fmt.Errorf("%s: content digest %s does not match the config's diff ID %s", where, got, want)
	}
	return comp, nil
}
