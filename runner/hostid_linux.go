//go:build linux && cgo

package runner

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// nobodyID is the traditional unprivileged id, used when root has no
// subordinate range.
const nobodyID = 65534

// The files and tools of subordinate ids; variables so that tests can point
// the lookup at other files.
var (
	subuidFile = "/etc/subuid"
	subgidFile = "/etc/subgid"
	lookPath   = exec.LookPath
)

// idMap is how the Pod's user namespace maps ids to the host's.
//
// Unprivileged: container root is the invoking user, and ids 1 to N are the
// user's subordinate range from /etc/subuid and /etc/subgid (mapped by
// newuidmap and newgidmap, which libcontainer runs), as rootless Podman does.
// As root: ids 0 to N-1 are root's subordinate range, so container root is
// its first id and no container id is host root; without a range container
// root is nobody. Without a range only container root is mapped.
type idMap struct {
	uids, gids []specs.LinuxIDMapping
	// maxUID and maxGID are the highest mapped container ids.
	maxUID, maxGID int64
	// fix says what is missing when only root is mapped.
	fix string
}

// ranged reports whether ids other than root are mapped.
func (m idMap) ranged() bool { return m.maxUID > 0 && m.maxGID > 0 }

// rootHostID is the host uid and gid that container root maps to.
func (m idMap) rootHostID() (uid, gid int) {
	return int(m.uids[0].HostID), int(m.gids[0].HostID)
}

// hostID returns the host id that container id maps to.
func hostID(maps []specs.LinuxIDMapping, id int64) (int, bool) {
	for _, m := range maps {
		if id >= int64(m.ContainerID) && id < int64(m.ContainerID)+int64(m.Size) {
			return int(int64(m.HostID) + id - int64(m.ContainerID)), true
		}
	}
	return 0, false
}

// podIDMap reads the invoking user's subordinate ranges.
func podIDMap() idMap {
	euid, egid := os.Geteuid(), os.Getegid()
	name := strconv.Itoa(euid)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	uidStart, uidCount := subordinateRange(subuidFile, name, euid)
	gidStart, gidCount := subordinateRange(subgidFile, name, euid)
	example := fmt.Sprintf("%s:100000:65536", name)
	if euid == 0 {
		example = "root:100000:65536"
		if uidCount == 0 || gidCount == 0 {
			return idMap{
				uids: []specs.LinuxIDMapping{{ContainerID: 0, HostID: nobodyID, Size: 1}},
				gids: []specs.LinuxIDMapping{{ContainerID: 0, HostID: nobodyID, Size: 1}},
				fix:  fmt.Sprintf("add %q to %s and %s", example, subuidFile, subgidFile),
			}
		}
		return idMap{
			uids:   []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(uidStart), Size: uint32(uidCount)}},
			gids:   []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(gidStart), Size: uint32(gidCount)}},
			maxUID: int64(uidCount) - 1, maxGID: int64(gidCount) - 1,
		}
	}
	m := idMap{
		uids: []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(euid), Size: 1}},
		gids: []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(egid), Size: 1}},
	}
	var missing []string
	for _, tool := range []string{"newuidmap", "newgidmap"} {
		if _, err := lookPath(tool); err != nil {
			missing = append(missing, "install uidmap (it provides newuidmap and newgidmap)")
			break
		}
	}
	if uidCount == 0 || gidCount == 0 {
		missing = append(missing, fmt.Sprintf("add %q to %s and %s", example, subuidFile, subgidFile))
	}
	if len(missing) > 0 {
		m.fix = strings.Join(missing, " and ")
		return m
	}
	m.uids = append(m.uids, specs.LinuxIDMapping{ContainerID: 1, HostID: uint32(uidStart), Size: uint32(uidCount)})
	m.gids = append(m.gids, specs.LinuxIDMapping{ContainerID: 1, HostID: uint32(gidStart), Size: uint32(gidCount)})
	m.maxUID, m.maxGID = int64(uidCount), int64(gidCount)
	return m
}

// check returns an error wrapping ErrNoSubordinateIDs when u needs ids the
// Pod's user namespace does not map; what names the container.
func (m idMap) check(u containerUser, what string) error {
	uid, gid := u.maxIDs()
	if uid <= m.maxUID && gid <= m.maxGID {
		return nil
	}
	if !m.ranged() {
		return fmt.Errorf("%w: %s runs as uid %d, gid %d (groups %v), but only container root is mapped to a host user: %s",
			ErrNoSubordinateIDs, what, u.UID, u.GID, u.Groups, m.fix)
	}
	return fmt.Errorf("%w: %s runs as uid %d, gid %d (groups %v), beyond the mapped ids (uids 0-%d, gids 0-%d): give the user a larger range in %s and %s",
		ErrNoSubordinateIDs, what, u.UID, u.GID, u.Groups, m.maxUID, m.maxGID, subuidFile, subgidFile)
}

// subordinateRange returns the first range of name (or uid) in an
// /etc/subuid-style file, or a zero count.
func subordinateRange(file, name string, uid int) (start, count int) {
	f, err := os.Open(file)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.Split(strings.TrimSpace(sc.Text()), ":")
		if len(parts) != 3 || (parts[0] != name && parts[0] != strconv.Itoa(uid)) {
			continue
		}
		s, err1 := strconv.Atoi(parts[1])
		n, err2 := strconv.Atoi(parts[2])
		// Never host root, and within the 32-bit id space.
		if err1 == nil && err2 == nil && s > 0 && n > 0 && int64(s)+int64(n) <= 1<<32-1 {
			return s, n
		}
	}
	return 0, 0
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
