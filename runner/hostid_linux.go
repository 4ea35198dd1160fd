//go:build linux && cgo

package runner

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// nobodyID is the traditional unprivileged id, used when root has no
// subordinate range.
const nobodyID = 65534

// containerRootHostID is the host uid and gid that container root maps to.
// Unprivileged: the invoking user. As root, never root: the first id of
// root's /etc/subuid (/etc/subgid) range when there is one, else nobody.
func containerRootHostID() (uid, gid int) {
	if os.Geteuid() != 0 {
		return os.Geteuid(), os.Getegid()
	}
	return subordinateStart("/etc/subuid"), subordinateStart("/etc/subgid")
}

func subordinateStart(file string) int {
	f, err := os.Open(file)
	if err != nil {
		return nobodyID
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.Split(strings.TrimSpace(sc.Text()), ":")
		if len(parts) == 3 && (parts[0] == "root" || parts[0] == "0") {
			if n, err := strconv.Atoi(parts[1]); err == nil && n > 0 {
				return n
			}
		}
	}
	return nobodyID
}

// chownTree gives a root filesystem copy to the container's root when podlint
// runs as root: files owned by host root are unmapped in the Pod's user
// namespace and container root could not write them.
func chownTree(root string, uid, gid int) error {
	if os.Geteuid() != 0 {
		return nil
	}
	return filepath.WalkDir(root, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}
