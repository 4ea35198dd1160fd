package runner

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
)

// containerUser is who a container's process runs as, in the Pod's user
// namespace.
type containerUser struct {
	UID, GID int64
	// Groups are the supplementary groups: the primary group, the user's
	// groups in the image's /etc/group, supplementalGroups and fsGroup.
	Groups []int64
	// Home is the user's home directory in the image's /etc/passwd, if any.
	Home string
}

// effectiveIDs returns runAsUser, runAsGroup and runAsNonRoot as the kubelet
// determines them: the container's securityContext over the Pod's.
func effectiveIDs(pod *v1.Pod, c *v1.Container) (user, group *int64, nonRoot *bool) {
	if psc := pod.Spec.SecurityContext; psc != nil {
		user, group, nonRoot = psc.RunAsUser, psc.RunAsGroup, psc.RunAsNonRoot
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			user = sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			group = sc.RunAsGroup
		}
		if sc.RunAsNonRoot != nil {
			nonRoot = sc.RunAsNonRoot
		}
	}
	return user, group, nonRoot
}

// verifyRunAsNonRoot is the kubelet's check (kuberuntime's
// verifyRunAsNonRoot), with its messages: it looks at runAsUser and else at
// the image's configured user only, not at /etc/passwd, so a user name cannot
// be verified.
func verifyRunAsNonRoot(pod *v1.Pod, c *v1.Container, imageUser string) error {
	user, _, nonRoot := effectiveIDs(pod, c)
	if nonRoot == nil || !*nonRoot {
		return nil
	}
	if user != nil {
		if *user == 0 {
			return fmt.Errorf("container's runAsUser breaks non-root policy (pod: %q, container: %s)", formatPod(pod), c.Name)
		}
		return nil
	}
	// The container runtime reports the image's user as a uid when its user
	// part is numeric, else as a name; no user at all is root.
	name, _, _ := strings.Cut(imageUser, ":")
	uid, err := strconv.ParseInt(name, 10, 64)
	switch {
	case name == "" || err == nil && uid == 0:
		return fmt.Errorf("container has runAsNonRoot and image will run as root (pod: %q, container: %s)", formatPod(pod), c.Name)
	case err != nil:
		return fmt.Errorf("container has runAsNonRoot and image has non-numeric user (%s), cannot verify user is non-root (pod: %q, container: %s)", name, formatPod(pod), c.Name)
	}
	return nil
}

// formatPod is the kubelet's format.Pod: name_namespace(uid).
func formatPod(pod *v1.Pod) string {
	ns := pod.Namespace
	if ns == "" {
		ns = "default"
	}
	return fmt.Sprintf("%s_%s(%s)", pod.Name, ns, pod.UID)
}

// resolveUser determines the container's user as containerd's CRI plugin
// does: runAsUser, else the image's User ("user", "uid", "user:group" or
// "uid:gid", names looked up in the image's /etc/passwd and /etc/group under
// rootfs); a uid without a group gets the gid of its /etc/passwd entry, or 0.
// runAsGroup replaces the group (containerd refuses runAsGroup without
// runAsUser; CRI-O, followed here, applies it to the image's user).
// Supplementary groups are the primary group, the user's /etc/group
// memberships (unless supplementalGroupsPolicy is Strict), then the Pod's
// supplementalGroups and fsGroup, as the kubelet passes them.
func resolveUser(pod *v1.Pod, c *v1.Container, imageUser, rootfs string) (containerUser, error) {
	users := readIDFile(filepath.Join(rootfs, "etc/passwd"))
	groups := readIDFile(filepath.Join(rootfs, "etc/group"))
	runAsUser, runAsGroup, _ := effectiveIDs(pod, c)
	var u containerUser
	var name string
	byUID := func(uid int64) {
		u.UID = uid
		for _, e := range users {
			if id, err := strconv.ParseInt(e.field(2), 10, 64); err == nil && id == uid {
				name, u.Home = e.field(0), e.field(5)
				u.GID, _ = strconv.ParseInt(e.field(3), 10, 64)
				return
			}
		}
	}
	userPart, groupPart, hasGroup := strings.Cut(imageUser, ":")
	switch {
	case runAsUser != nil:
		byUID(*runAsUser)
		hasGroup = false
	case userPart == "":
		byUID(0)
	default:
		if uid, err := strconv.ParseInt(userPart, 10, 64); err == nil {
			byUID(uid)
			break
		}
		i := slices.IndexFunc(users, func(e idEntry) bool { return e.field(0) == userPart })
		if i < 0 {
			return u, fmt.Errorf("unable to find user %s: no matching entries in passwd file", userPart)
		}
		byUID(mustID(users[i].field(2)))
		name = userPart
	}
	if hasGroup {
		if gid, err := strconv.ParseInt(groupPart, 10, 64); err == nil {
			u.GID = gid
		} else {
			i := slices.IndexFunc(groups, func(e idEntry) bool { return e.field(0) == groupPart })
			if i < 0 {
				return u, fmt.Errorf("unable to find group %s: no matching entries in group file", groupPart)
			}
			u.GID = mustID(groups[i].field(2))
		}
	}
	if runAsGroup != nil {
		u.GID = *runAsGroup
	}
	add := func(g int64) {
		if !slices.Contains(u.Groups, g) {
			u.Groups = append(u.Groups, g)
		}
	}
	add(u.GID)
	psc := pod.Spec.SecurityContext
	strict := psc != nil && psc.SupplementalGroupsPolicy != nil && *psc.SupplementalGroupsPolicy == v1.SupplementalGroupsPolicyStrict
	if name != "" && !strict {
		for _, g := range groups {
			if g.field(0) != name && slices.Contains(strings.Split(g.field(3), ","), name) {
				add(mustID(g.field(2)))
			}
		}
	}
	if psc != nil {
		for _, g := range psc.SupplementalGroups {
			add(g)
		}
		if psc.FSGroup != nil {
			add(*psc.FSGroup)
		}
	}
	return u, nil
}

// idEntry is one line of /etc/passwd or /etc/group, split at colons.
type idEntry []string

func (e idEntry) field(i int) string {
	if i < len(e) {
		return e[i]
	}
	return ""
}

func mustID(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// maxIDFile bounds how much of an image's /etc/passwd or /etc/group is read.
const maxIDFile = 1 << 20

// readIDFile reads a passwd or group file; a missing or unreadable one is
// empty, as for the container runtimes. A symlink is not followed out of the
// image: it is resolved on the host, so it is refused.
func readIDFile(path string) []idEntry {
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []idEntry
	sc := bufio.NewScanner(io.LimitReader(f, maxIDFile))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.Split(line, ":"))
	}
	return out
}

// maxIDs returns the highest uid and gid u needs mapped in the Pod's user
// namespace.
func (u containerUser) maxIDs() (uid, gid int64) {
	gid = u.GID
	for _, g := range u.Groups {
		gid = max(gid, g)
	}
	return u.UID, gid
}
