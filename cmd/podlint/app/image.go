package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/podlint/podlint/runner/image"
)

type imageFlags struct {
	store string
}

func newImageCommand(s Streams) *cobra.Command {
	f := &imageFlags{}
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Manage the local image store that podlint run uses",
		Long: `Manage podlint's offline image store: images loaded from docker-archives
(docker save), OCI image layouts and OCI archives, or pulled from a registry.

The store lives in $PODLINT_IMAGE_STORE if set, else in
$XDG_DATA_HOME/podlint/images (default ~/.local/share/podlint/images).

Exit codes: 0 success, 2 any error.`,
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&f.store, "store", "", "image store directory (default $"+image.EnvStore+" or $XDG_DATA_HOME/podlint/images)")
	cmd.AddCommand(newImageLoadCommand(s, f), newImageListCommand(s, f), newImageRemoveCommand(s, f), newImagePullCommand(s, f))
	return cmd
}

func (f *imageFlags) open(s Streams) (*image.Store, error) {
	st, err := image.Open(image.Options{
		Root:  f.store,
		Warnf: func(format string, args ...any) { fmt.Fprintf(s.Err, "podlint: note: "+format+"\n", args...) },
	})
	if err != nil {
		return nil, exitWith(ExitUsage, err)
	}
	return st, nil
}

func newImageLoadCommand(s Streams, f *imageFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "load FILE|DIR",
		Short: "Load a docker-archive, an OCI image layout directory or an OCI archive",
		Example: `  docker save busybox:1.36 -o busybox.tar && podlint image load busybox.tar
  podlint image load ./busybox-oci/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := f.open(s)
			if err != nil {
				return err
			}
			imgs, err := st.Load(cmd.Context(), args[0])
			if err != nil {
				return exitWith(ExitUsage, err)
			}
			for _, img := range imgs {
				if len(img.Names) == 0 {
					fmt.Fprintf(s.Out, "Loaded image ID: %s\n", img.ID)
				}
				for _, n := range img.Names {
					fmt.Fprintf(s.Out, "Loaded image: %s\n", n)
				}
			}
			return nil
		},
	}
}

func newImagePullCommand(s Streams, f *imageFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "pull REF",
		Short: "Pull an image from its registry into the store",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := f.open(s)
			if err != nil {
				return err
			}
			img, err := st.Pull(cmd.Context(), args[0])
			if err != nil {
				return exitWith(ExitUsage, err)
			}
			fmt.Fprintf(s.Out, "Pulled %s (%s)\n", img.Names[0], img.Digest)
			return nil
		},
	}
}

func newImageRemoveCommand(s Streams, f *imageFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "rm REF...",
		Aliases: []string{"rmi", "remove"},
		Short:   "Remove images by name or ID; an image with other names is only untagged",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := f.open(s)
			if err != nil {
				return err
			}
			var failed []error
			for _, ref := range args {
				img, err := st.Resolve(ref)
				if err == nil {
					err = st.Remove(ref)
				}
				if err != nil {
					failed = append(failed, err)
					continue
				}
				if _, err := st.Resolve(img.ID); errors.Is(err, image.ErrNotFound) {
					fmt.Fprintf(s.Out, "Deleted: %s\n", img.ID)
				} else if norm, nerr := image.NormalizeReference(ref); nerr == nil {
					fmt.Fprintf(s.Out, "Untagged: %s\n", norm)
				}
			}
			if len(failed) > 0 {
				err := errors.Join(failed...)
				if errors.Is(err, image.ErrNotFound) {
					err = fmt.Errorf("%w (podlint image ls lists the stored images)", err)
				}
				return exitWith(ExitUsage, err)
			}
			return nil
		},
	}
}

func newImageListCommand(s Streams, f *imageFlags) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List stored images (NAME, ID, SIZE, CREATED)",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := f.open(s)
			if err != nil {
				return err
			}
			imgs, err := st.List()
			if err != nil {
				return exitWith(ExitUsage, err)
			}
			switch format {
			case "text":
				tw := tabwriter.NewWriter(s.Out, 0, 4, 3, ' ', 0)
				fmt.Fprintln(tw, "NAME\tID\tSIZE\tCREATED")
				now := time.Now()
				for _, img := range imgs {
					names := img.Names
					if len(names) == 0 {
						names = []string{"<none>"}
					}
					for _, n := range names {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n, shortID(img.ID), humanSize(img.Size), humanAge(now, img.Created))
					}
				}
				return tw.Flush()
			case "json":
				type jsonImage struct {
					Names   []string  `json:"names"`
					ID      string    `json:"id"`
					Digest  string    `json:"digest"`
					Size    int64     `json:"size"`
					Created time.Time `json:"created"`
				}
				out := []jsonImage{}
				for _, img := range imgs {
					out = append(out, jsonImage{Names: append([]string{}, img.Names...), ID: img.ID, Digest: img.Digest, Size: img.Size, Created: img.Created})
				}
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			return exitWith(ExitUsage, fmt.Errorf("--format: unknown format %q (supported: text, json)", format))
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	return cmd
}

// shortID is the 12-digit form Docker prints.
func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// humanSize prints decimal units, as `docker images` does.
func humanSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%dB", n)
	}
	return fmt.Sprintf("%.3g%s", f, units[i])
}

// humanAge prints how long ago t was, in the largest whole unit.
func humanAge(now, t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	d := now.Sub(t)
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit + " ago"
		}
		return fmt.Sprintf("%d %ss ago", n, unit)
	}
	switch {
	case d < time.Minute:
		return "less than a minute ago"
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute")
	case d < 48*time.Hour:
		return plural(int(d.Hours()), "hour")
	case d < 14*24*time.Hour:
		return plural(int(d.Hours()/24), "day")
	case d < 60*24*time.Hour:
		return plural(int(d.Hours()/24/7), "week")
	case d < 2*365*24*time.Hour:
		return plural(int(d.Hours()/24/30), "month")
	}
	return plural(int(d.Hours()/24/365), "year")
}
