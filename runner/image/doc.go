// Package image is podlint's offline image store: a content-addressed local
// store of container images from which the runner takes each container's
// configuration and root filesystem.
//
// Images enter the store with [Store.Load] (a docker-archive as written by
// `docker save`, an OCI image layout directory, or an OCI archive, i.e. a tar
// of a layout) or with [Store.Pull] from a registry when one is reachable.
// Every blob is stored under its sha256 digest and verified on the way in;
// layer contents are verified against the config's diff IDs as well.
//
// How the runner uses it:
//
//	store, err := image.Open(image.Options{})   // $PODLINT_IMAGE_STORE or $XDG_DATA_HOME/podlint/images
//	img, err := store.Resolve(container.Image)  // "busybox" means docker.io/library/busybox:latest
//	rootfs, err := img.RootFS(ctx)              // unpacked once per image, then cached
//	// img.Config holds Entrypoint, Cmd, Env, WorkingDir, User and StopSignal.
//
// A reference that is not stored gives an error wrapping [ErrNotFound]; map
// the container's imagePullPolicy onto it: Never fails, IfNotPresent calls
// [Store.Pull] only then, Always pulls first (the runner does exactly this,
// and a failed Always pull is ErrImagePull, as in the kubelet). The runner resolves
// Config.User against the root filesystem's /etc/passwd itself.
//
// The directory returned by [Image.RootFS] is shared by every container of
// every pod started from that image, so it must be treated as read-only:
// copy it, or use it as an overlayfs lower directory, for each container
// start. Files in it belong to the user who unpacked it (no chown is done, so
// that an unprivileged user can unpack; [OwnersFile] lists the owners the
// layers gave, for the runner to apply where those ids are mapped), modes
// are kept except setuid and setgid bits, device nodes and fifos are skipped
// with a note, and extended attributes (file capabilities included) are not
// applied.
//
// Unpacking is hardened against hostile archives: entries never land outside
// the target directory (".." and absolute names are rejected, and symlinks are
// resolved inside the root filesystem, never on the host), and every input
// is bounded by [Limits]; a breached limit is reported as a [*LimitError]
// naming it.
//
// The package is pure Go and builds with CGO_ENABLED=0.
package image
