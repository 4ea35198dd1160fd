package image_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/podlint/podlint/runner/image"
)

// The runner's use of the store: resolve a container's image, pulling it
// when imagePullPolicy allows, then take its config and root filesystem.
func Example() {
	ctx := context.Background()
	store, err := image.Open(image.Options{}) // $PODLINT_IMAGE_STORE or the XDG data directory
	if err != nil {
		fmt.Println(err)
		return
	}
	img, err := store.Resolve("busybox") // docker.io/library/busybox:latest
	if errors.Is(err, image.ErrNotFound) {
		img, err = store.Pull(ctx, "busybox") // imagePullPolicy: IfNotPresent
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	rootfs, err := img.RootFS(ctx) // shared and read-only: copy or overlay it per container
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rootfs, img.Config.Entrypoint, img.Config.Cmd, img.Config.Env, img.Config.WorkingDir, img.Config.User)
}
