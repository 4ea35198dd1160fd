package image

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// EnvStore names the environment variable that overrides the store's
// directory.
const EnvStore = "PODLINT_IMAGE_STORE"

// ErrNotFound is returned (wrapped) when no image matches a reference.
var ErrNotFound = errors.New("image not found")

// maxMetadataBytes bounds JSON documents: manifest.json, index.json, image
// manifests and configs. Real ones are a few kilobytes.
const maxMetadataBytes = 4 << 20

// Options configure [Open].
type Options struct {
	// Root is the store's directory. Empty means [DefaultRoot].
	Root string
	// Limits bound archives and unpacking; zero fields take defaults.
	Limits Limits
	// Warnf receives notes about things skipped on purpose (device nodes,
	// fifos, unusable names). Nil discards them.
	Warnf func(format string, args ...any)
}

// Store is a content-addressed image store in one directory:
//
//	blobs/sha256/<hex>   manifests, configs and layers, as received
//	images.json          the images: ID, manifest digest, names
//	rootfs/<id-hex>/     unpacked root filesystems, one per image
//	rootfs/<id-hex>.owners.json  the non-root owners its layers gave (Owner)
//	tmp/                 staging; renamed into place when complete
//	lock                 serializes Load, Pull and Remove between processes
//
// A Store is safe for use by several goroutines and processes.
type Store struct {
	root   string
	limits Limits
	warnf  func(format string, args ...any)
}

// Image is one stored image.
type Image struct {
	// ID is the digest of the image's config, as Docker prints it.
	ID string
	// Digest is the digest of the image's manifest, as a registry knows it.
	Digest string
	// Names are the normalized references that resolve to this image.
	Names []string
	// Created is when the image was built, from its config; zero if unknown.
	Created time.Time
	// Size is the sum of the stored config and layer blobs.
	Size int64
	// Platform is the image's OS and architecture.
	Platform ocispec.Platform
	// Config is what the runner needs to start a container: Entrypoint,
	// Cmd, Env, WorkingDir, User, StopSignal, ExposedPorts.
	Config ocispec.ImageConfig

	// Layers are the layer blobs, lowest first.
	layers []ocispec.Descriptor
	store  *Store
}

// record is one entry of images.json.
type record struct {
	ID       string    `json:"id"`
	Manifest string    `json:"manifest"`
	Names    []string  `json:"names,omitempty"`
	Loaded   time.Time `json:"loaded"`
}

type indexFile struct {
	Version int      `json:"version"`
	Images  []record `json:"images"`
}

// DefaultRoot returns the store directory used when Options.Root is empty:
// $PODLINT_IMAGE_STORE if set, else $XDG_DATA_HOME/podlint/images, else
// ~/.local/share/podlint/images, following the XDG base directory spec.
func DefaultRoot() (string, error) {
	if d := os.Getenv(EnvStore); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "podlint", "images"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("image store: no home directory (set %s): %w", EnvStore, err)
	}
	return filepath.Join(home, ".local", "share", "podlint", "images"), nil
}

// Open opens the store, creating its directory if needed.
func Open(opts Options) (*Store, error) {
	root := opts.Root
	if root == "" {
		var err error
		if root, err = DefaultRoot(); err != nil {
			return nil, err
		}
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{"blobs/sha256", "rootfs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return nil, fmt.Errorf("image store: %w", err)
		}
	}
	s := &Store{root: root, limits: opts.Limits.withDefaults(), warnf: opts.Warnf}
	if s.warnf == nil {
		s.warnf = func(string, ...any) {}
	}
	return s, nil
}

// Root returns the store's directory.
func (s *Store) Root() string { return s.root }

// List returns every stored image, newest first.
func (s *Store) List() ([]*Image, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	var out []*Image
	for _, r := range idx.Images {
		img, err := s.image(r)
		if err != nil {
			return nil, err
		}
		out = append(out, img)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// Resolve returns the image ref names. ref is an image reference as in a
// Pod's container.image (normalized with [NormalizeReference]) or an image
// ID: "sha256:<hex>", or a unique prefix of at least 4 hex digits.
func (s *Store) Resolve(ref string) (*Image, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	i, _, err := find(idx, ref)
	if err != nil {
		return nil, err
	}
	return s.image(idx.Images[i])
}

// Remove removes ref. When ref is a name and the image has other names, only
// that name is removed (as `docker rmi` untags); otherwise the image, its
// cached root filesystem and the blobs no other image uses are deleted.
// A runner still using that root filesystem must not be running.
func (s *Store) Remove(ref string) error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	idx, err := s.readIndex()
	if err != nil {
		return err
	}
	i, name, err := find(idx, ref)
	if err != nil {
		return err
	}
	r := &idx.Images[i]
	if name != "" && len(r.Names) > 1 {
		r.Names = without(r.Names, name)
		return s.writeIndex(idx)
	}
	id := r.ID
	idx.Images = append(idx.Images[:i], idx.Images[i+1:]...)
	if err := s.writeIndex(idx); err != nil {
		return err
	}
	rootfs := filepath.Join(s.root, "rootfs", digest.Digest(id).Encoded())
	if err := removeTree(rootfs); err != nil {
		return fmt.Errorf("remove root filesystem of %s: %w", id, err)
	}
	if err := os.Remove(OwnersFile(rootfs)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return s.gc(idx)
}

// find returns the index of the image ref names and, when ref matched a
// name, that name. Names win over ID prefixes, as in Docker.
func find(idx *indexFile, ref string) (int, string, error) {
	if norm, err := NormalizeReference(ref); err == nil {
		for i, r := range idx.Images {
			for _, n := range r.Names {
				if n == norm {
					return i, n, nil
				}
			}
		}
		// A digest reference matches by manifest digest, as a registry would.
		if at := strings.LastIndex(norm, "@"); at >= 0 {
			for i, r := range idx.Images {
				if r.Manifest == norm[at+1:] {
					return i, "", nil
				}
			}
		}
	}
	prefix := strings.TrimPrefix(ref, "sha256:")
	if len(prefix) >= 4 && isHex(prefix) {
		match := -1
		for i, r := range idx.Images {
			if strings.HasPrefix(digest.Digest(r.ID).Encoded(), prefix) {
				if match >= 0 {
					return 0, "", fmt.Errorf("image ID prefix %q is ambiguous", ref)
				}
				match = i
			}
		}
		if match >= 0 {
			return match, "", nil
		}
	}
	return 0, "", fmt.Errorf("%w: %s", ErrNotFound, ref)
}

var hexRE = regexp.MustCompile(`^[0-9a-f]+$`)

func isHex(s string) bool { return hexRE.MatchString(s) }

func without(names []string, name string) []string {
	var out []string
	for _, n := range names {
		if n != name {
			out = append(out, n)
		}
	}
	return out
}

// image builds an Image from its record, reading its manifest and config.
func (s *Store) image(r record) (*Image, error) {
	var m ocispec.Manifest
	if err := s.readJSONBlob(r.Manifest, &m); err != nil {
		return nil, fmt.Errorf("image %s: manifest: %w", r.ID, err)
	}
	var c ocispec.Image
	if err := s.readJSONBlob(r.ID, &c); err != nil {
		return nil, fmt.Errorf("image %s: config: %w", r.ID, err)
	}
	img := &Image{
		ID:       r.ID,
		Digest:   r.Manifest,
		Names:    append([]string(nil), r.Names...),
		Size:     m.Config.Size,
		Platform: c.Platform,
		Config:   c.Config,
		layers:   m.Layers,
		store:    s,
	}
	if c.Created != nil {
		img.Created = *c.Created
	}
	for _, l := range m.Layers {
		img.Size += l.Size
	}
	return img, nil
}

func (s *Store) blobPath(d string) string {
	return filepath.Join(s.root, "blobs", "sha256", digest.Digest(d).Encoded())
}

func (s *Store) readJSONBlob(d string, v any) error {
	if err := checkDigest(d); err != nil {
		return err
	}
	b, err := readBounded(s.blobPath(d), maxMetadataBytes)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, max)
	}
	return b, nil
}

// checkDigest accepts only sha256 digests in canonical form, the only
// algorithm registries and Docker use, so a digest is always a safe file name.
func checkDigest(d string) error {
	enc, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(enc) != 64 || !isHex(enc) {
		return fmt.Errorf("unsupported or malformed digest %q (want sha256:<64 hex digits>)", d)
	}
	return nil
}

// putBlob stores r's content, failing if it is larger than max or does not
// match want (when want is not empty). It returns the digest and size.
func (s *Store) putBlob(r io.Reader, want string, max int64, where string) (string, int64, error) {
	if want != "" {
		if err := checkDigest(want); err != nil {
			return "", 0, fmt.Errorf("%s: %w", where, err)
		}
		if _, err := os.Stat(s.blobPath(want)); err == nil {
			// Content addressing: an existing blob was verified when stored.
			return want, s.blobSize(want), nil
		}
	}
	tmp, err := os.CreateTemp(filepath.Join(s.root, "tmp"), "blob-")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, max+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", where, err)
	}
	if n > max {
		return "", 0, &LimitError{Limit: "MaxArchiveBytes", Max: max, Where: where}
	}
	got := "sha256:" + hex.EncodeToString(h.Sum(nil))
	if want != "" && got != want {
		return "", 0, fmt.Errorf("%s: digest mismatch: content is %s, expected %s", where, got, want)
	}
	if err := os.Chmod(tmp.Name(), 0o444); err != nil {
		return "", 0, err
	}
	if err := os.Rename(tmp.Name(), s.blobPath(got)); err != nil {
		return "", 0, err
	}
	return got, n, nil
}

func (s *Store) blobSize(d string) int64 {
	fi, err := os.Stat(s.blobPath(d))
	if err != nil {
		return 0
	}
	return fi.Size()
}

func (s *Store) readIndex() (*indexFile, error) {
	b, err := os.ReadFile(filepath.Join(s.root, "images.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return &indexFile{Version: 1}, nil
	}
	if err != nil {
		return nil, err
	}
	var idx indexFile
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("image store %s: images.json: %w", s.root, err)
	}
	return &idx, nil
}

// writeIndex replaces images.json atomically, so readers (Resolve, List)
// need no lock.
func (s *Store) writeIndex(idx *indexFile) error {
	idx.Version = 1
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Join(s.root, "tmp"), "images-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(s.root, "images.json"))
}

// addImage records an image (or adds names to it) and takes its names away
// from any other image, as a new `docker load` of a tag does. Callers hold
// the lock.
func (s *Store) addImage(r record) error {
	idx, err := s.readIndex()
	if err != nil {
		return err
	}
	for i := range idx.Images {
		if idx.Images[i].ID != r.ID {
			for _, n := range r.Names {
				idx.Images[i].Names = without(idx.Images[i].Names, n)
			}
		}
	}
	found := false
	for i := range idx.Images {
		if idx.Images[i].ID == r.ID {
			found = true
			for _, n := range r.Names {
				if !contains(idx.Images[i].Names, n) {
					idx.Images[i].Names = append(idx.Images[i].Names, n)
				}
			}
		}
	}
	if !found {
		idx.Images = append(idx.Images, r)
	}
	return s.writeIndex(idx)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// gc deletes blobs no image in idx refers to. Callers hold the lock.
func (s *Store) gc(idx *indexFile) error {
	keep := map[string]bool{}
	for _, r := range idx.Images {
		keep[r.ID], keep[r.Manifest] = true, true
		var m ocispec.Manifest
		if err := s.readJSONBlob(r.Manifest, &m); err != nil {
			return fmt.Errorf("image %s: manifest: %w", r.ID, err)
		}
		for _, l := range m.Layers {
			keep[string(l.Digest)] = true
		}
	}
	dir := filepath.Join(s.root, "blobs", "sha256")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !keep["sha256:"+e.Name()] {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	// A root filesystem published by an unpack that raced with Remove.
	dir = filepath.Join(s.root, "rootfs")
	if ents, err = os.ReadDir(dir); err != nil {
		return err
	}
	for _, e := range ents {
		if !keep["sha256:"+strings.TrimSuffix(e.Name(), ownersSuffix)] {
			if err := removeTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	// Staging left by a killed process; a day is far longer than any
	// load or unpack still running.
	dir = filepath.Join(s.root, "tmp")
	if ents, err = os.ReadDir(dir); err != nil {
		return err
	}
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > 24*time.Hour {
			_ = removeTree(filepath.Join(dir, e.Name()))
		}
	}
	return nil
}

// removeTree removes dir even where unpacked modes (a 0555 directory) would
// stop an unprivileged owner from deleting its entries.
func removeTree(dir string) error {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}
