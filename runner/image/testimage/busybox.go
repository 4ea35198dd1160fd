package testimage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"sort"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// BusyboxRef is the name of the image Busybox builds.
const BusyboxRef = "localhost/podlint/busybox:1.35"

// BusyboxPath is where Debian's busybox-static package installs busybox.
const BusyboxPath = "/bin/busybox"

// ErrNoBusybox reports that the busybox binary is missing; tests skip on
// it (CI installs Debian's busybox-static package).
var ErrNoBusybox = errors.New("no static busybox at " + BusyboxPath + " (apt-get install busybox-static)")

// Busybox returns a one-layer image named BusyboxRef holding the static
// busybox binary at bin (BusyboxPath if empty) as /bin/busybox, a symlink
// for each of its applets where `busybox --list-full` puts them, /etc/passwd
// and /etc/group with root and nobody, a 1777 /tmp and Cmd ["sh"].
func Busybox(bin string) (Image, error) {
	if bin == "" {
		bin = BusyboxPath
	}
	body, err := os.ReadFile(bin)
	if errors.Is(err, fs.ErrNotExist) {
		return Image{}, ErrNoBusybox
	}
	if err != nil {
		return Image{}, err
	}
	out, err := exec.Command(bin, "--list-full").Output()
	if err != nil {
		return Image{}, fmt.Errorf("%s --list-full: %w", bin, err)
	}
	applets := strings.Fields(string(out))
	sort.Strings(applets)

	entries := []Entry{
		Dir("bin", 0o755), Dir("sbin", 0o755), Dir("usr", 0o755), Dir("usr/bin", 0o755), Dir("usr/sbin", 0o755),
		Dir("etc", 0o755), Dir("root", 0o700), Dir("home", 0o755), Dir("tmp", 0o1777),
		Dir("dev", 0o755), Dir("proc", 0o755), Dir("sys", 0o755), Dir("var", 0o755),
		File("bin/busybox", 0o755, string(body)),
		File("etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
		File("etc/group", 0o644, "root:x:0:\nnobody:x:65534:\n"),
	}
	seen := map[string]bool{"bin/busybox": true}
	for _, a := range applets {
		a = path.Clean(strings.TrimPrefix(a, "/"))
		if seen[a] || strings.HasPrefix(a, "..") || !strings.Contains(a, "/") {
			continue // linuxrc and the like belong to initramfs images
		}
		seen[a] = true
		entries = append(entries, Symlink(a, "/bin/busybox"))
	}
	return Image{
		Name:    BusyboxRef,
		Created: Epoch,
		Config: ocispec.ImageConfig{
			Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			Cmd: []string{"sh"},
		},
		Layers: []Layer{{Entries: entries, Gzip: true}},
	}, nil
}
