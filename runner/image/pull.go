package image

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Pull fetches ref from its registry into the store, choosing the
// linux/GOARCH image from a multi-platform index, and returns it. Registry
// credentials come from the Docker config, as `docker pull` finds them;
// loopback and private-network registries are spoken to over plain HTTP
// (go-containerregistry's rule).
func (s *Store) Pull(ctx context.Context, ref string) (*Image, error) {
	norm, err := NormalizeReference(ref)
	if err != nil {
		return nil, err
	}
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	r, err := s.pull(ctx, norm)
	if err != nil {
		if idx, ierr := s.readIndex(); ierr == nil {
			_ = s.gc(idx)
		}
		return nil, fmt.Errorf("pull %s: %w", norm, err)
	}
	r.Names = []string{norm}
	if err := s.addImage(r); err != nil {
		return nil, err
	}
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	i, _, err := find(idx, norm)
	if err != nil {
		return nil, err
	}
	return s.image(idx.Images[i])
}

func (s *Store) pull(ctx context.Context, norm string) (record, error) {
	nref, err := name.ParseReference(norm, name.StrictValidation)
	if err != nil {
		return record{}, err
	}
	img, err := remote.Image(nref,
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(authn.DefaultKeychain),
		remote.WithPlatform(v1.Platform{OS: "linux", Architecture: runtime.GOARCH}),
		remote.WithUserAgent("podlint"))
	if err != nil {
		return record{}, err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return record{}, err
	}
	if len(raw) > maxMetadataBytes {
		return record{}, fmt.Errorf("manifest larger than %d bytes", maxMetadataBytes)
	}
	m, err := img.Manifest()
	if err != nil {
		return record{}, err
	}
	mdigest, err := img.Digest()
	if err != nil {
		return record{}, err
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return record{}, err
	}
	var layers []pendingLayer
	for _, l := range m.Layers {
		d := l.Digest
		layers = append(layers, pendingLayer{
			name: d.String(), want: d.String(), size: l.Size, mediaType: string(l.MediaType),
			open: func() (io.ReadCloser, error) {
				layer, err := img.LayerByDigest(d)
				if err != nil {
					return nil, err
				}
				return layer.Compressed()
			},
		})
	}
	where := strings.TrimSuffix(norm, "@"+mdigest.String())
	return s.importImage(ctx, pendingImage{
		where: where, manifest: raw, manifestWant: mdigest.String(),
		config: cfg, configWant: m.Config.Digest.String(), layers: layers,
	})
}
