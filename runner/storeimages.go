package runner

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/podlint/podlint/runner/image"
)

// StoreImages serves images from podlint's image store: what `podlint image
// load` or `podlint image pull` put there, and what the runner pulls at run
// time as each container's imagePullPolicy asks.
type StoreImages struct {
	Store *image.Store
}

// Has reports whether the store holds ref.
func (s StoreImages) Has(ref string) bool {
	_, err := s.Store.Resolve(ref)
	return err == nil
}

// Pull fetches ref from its registry into the store, as `podlint image pull` does.
func (s StoreImages) Pull(ctx context.Context, ref string) (int64, error) {
	img, err := s.Store.Pull(ctx, ref)
	if err != nil {
		return 0, err
	}
	return img.Size, nil
}

// Resolve unpacks the image on first use and returns its root filesystem and
// configuration.
func (s StoreImages) Resolve(ref string) (string, ImageConfig, error) {
	img, err := s.Store.Resolve(ref)
	if errors.Is(err, image.ErrNotFound) {
		return "", ImageConfig{}, fmt.Errorf("%w: %q is not in the image store %s (podlint image load or pull it first)", ErrImageNotLoaded, ref, s.Store.Root())
	}
	if err != nil {
		return "", ImageConfig{}, err
	}
	root, err := img.RootFS(context.Background())
	if err != nil {
		return "", ImageConfig{}, fmt.Errorf("unpack %s: %w", ref, err)
	}
	c := img.Config
	cfg := ImageConfig{Entrypoint: c.Entrypoint, Cmd: c.Cmd, Env: c.Env, WorkingDir: c.WorkingDir, User: c.User, StopSignal: c.StopSignal}
	if _, err := os.Stat(image.OwnersFile(root)); err == nil {
		cfg.OwnersFile = image.OwnersFile(root)
	}
	return root, cfg, nil
}
