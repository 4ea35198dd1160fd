package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// RootFS returns the image's unpacked root filesystem, unpacking it on first
// use: layers applied in order, whiteouts and opaque directories honoured.
// The directory is shared and cached until the image is removed; treat it
// as read-only (see the package documentation).
func (img *Image) RootFS(ctx context.Context) (string, error) {
	s := img.store
	dir := filepath.Join(s.root, "rootfs", img.ID[len("sha256:"):])
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(filepath.Join(s.root, "tmp"), "rootfs-")
	if err != nil {
		return "", err
	}
	owners, err := img.unpack(ctx, tmp)
	if err != nil {
		removeTree(tmp)
		return "", fmt.Errorf("unpack %s: %w", img.ID, err)
	}
	// The owners first: a published tree always has them.
	if err := writeOwners(tmp+ownersSuffix, owners); err != nil {
		removeTree(tmp)
		return "", err
	}
	if err := os.Rename(tmp+ownersSuffix, dir+ownersSuffix); err != nil {
		removeTree(tmp)
		_ = os.Remove(tmp + ownersSuffix)
		return "", err
	}
	// The rename publishes a complete tree; if another process won the
	// race, its tree is identical.
	if err := os.Rename(tmp, dir); err != nil {
		removeTree(tmp)
		if _, serr := os.Stat(dir); serr == nil {
			return dir, nil
		}
		return "", err
	}
	return dir, nil
}

func (img *Image) unpack(ctx context.Context, dir string) ([]Owner, error) {
	u, err := newUnpacker(dir, img.store.limits, img.store.warnf)
	if err != nil {
		return nil, err
	}
	defer u.root.Close()
	for i, l := range img.layers {
		rc, _, err := img.store.openLayer(string(l.Digest))
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i+1, err)
		}
		err = u.apply(ctx, rc, fmt.Sprintf("layer %d", i+1))
		rc.Close()
		if err != nil {
			return nil, err
		}
	}
	if err := u.finish(); err != nil {
		return nil, err
	}
	return u.ownerList(), nil
}

// unpacker applies layer tars to a directory. All file system access goes
// through an os.Root, so even a bug in the name resolution below cannot
// touch anything outside the directory; the resolution itself makes
// symlinks mean what they mean inside the container (absolute targets start
// at the root filesystem, ".." stops at it).
type unpacker struct {
	root    *os.Root
	limits  Limits
	warnf   func(string, ...any)
	entries int64
	bytes   int64
	// dirs holds each directory's mode and mtime, applied by finish: a
	// directory stays writable while later entries and layers fill it.
	dirs map[string]dirMeta
	// layer holds names created by the current layer: an opaque whiteout
	// hides only what lower layers put in the directory.
	layer map[string]bool
	// owners holds the paths a layer gave an owner other than root, which
	// an unprivileged unpack cannot apply (see Owner).
	owners map[string]Owner
}

type dirMeta struct {
	mode  fs.FileMode
	mtime time.Time
}

func newUnpacker(dir string, limits Limits, warnf func(string, ...any)) (*unpacker, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	// The staging directory is 0700; a container running as a non-root
	// user needs to traverse "/", so the root gets the usual 0755 unless a
	// layer says otherwise.
	dirs := map[string]dirMeta{".": {mode: 0o755}}
	return &unpacker{root: root, limits: limits, warnf: warnf, dirs: dirs, owners: map[string]Owner{}}, nil
}

const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// apply applies one uncompressed layer tar.
func (u *unpacker) apply(ctx context.Context, r io.Reader, where string) error {
	u.layer = map[string]bool{}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := u.entry(tr, hdr, where); err != nil {
			return err
		}
	}
}

func (u *unpacker) entry(tr *tar.Reader, hdr *tar.Header, where string) error {
	lim := u.limits
	u.entries++
	if u.entries > lim.MaxEntries {
		return &LimitError{Limit: "MaxEntries", Max: lim.MaxEntries, Where: where}
	}
	if int64(len(hdr.Name)) > lim.MaxPathBytes || int64(len(hdr.Linkname)) > lim.MaxPathBytes {
		return &LimitError{Limit: "MaxPathBytes", Max: lim.MaxPathBytes, Where: fmt.Sprintf("%s: entry %.64q", where, hdr.Name)}
	}
	// Every entry's data counts, even where it is skipped: tar reads it.
	if hdr.Size > lim.MaxEntryBytes {
		return &LimitError{Limit: "MaxEntryBytes", Max: lim.MaxEntryBytes, Where: fmt.Sprintf("%s: entry %q", where, hdr.Name)}
	}
	if u.bytes+hdr.Size > lim.MaxUnpackedBytes {
		return &LimitError{Limit: "MaxUnpackedBytes", Max: lim.MaxUnpackedBytes, Where: fmt.Sprintf("%s: entry %q", where, hdr.Name)}
	}
	u.bytes += hdr.Size
	name, err := entryName(hdr.Name)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if name == "." {
		if hdr.Typeflag == tar.TypeDir {
			u.dirs["."] = dirMeta{mode: hdr.FileInfo().Mode() & (fs.ModePerm | fs.ModeSticky), mtime: hdr.ModTime}
		}
		return nil
	}
	dir, base := path.Split(name)
	where = fmt.Sprintf("%s: entry %q", where, name)

	switch {
	case base == whiteoutOpaque:
		parent, err := u.resolve(dir, false)
		if errors.Is(err, errNoDir) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		return u.opaque(parent)
	case strings.HasPrefix(base, whiteoutMeta):
		return nil // other AUFS metadata (.wh..wh.plnk, ...)
	case strings.HasPrefix(base, whiteoutPrefix):
		target := base[len(whiteoutPrefix):]
		if target == "" || target == "." || target == ".." {
			return fmt.Errorf("%s: malformed whiteout", where)
		}
		parent, err := u.resolve(dir, false)
		if errors.Is(err, errNoDir) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		return u.removeAll(path.Join(parent, target))
	}

	parent, err := u.resolve(dir, true)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	p := path.Join(parent, base)
	mode := hdr.FileInfo().Mode()
	// Drop setuid and setgid: an unprivileged runner should not hand out
	// privileges, and the files belong to the invoking user anyway.
	perm := mode & (fs.ModePerm | fs.ModeSticky)

	switch hdr.Typeflag {
	case tar.TypeDir:
		fi, err := u.root.Lstat(p)
		if err != nil || !fi.IsDir() {
			if err := u.replace(p); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			if err := u.root.Mkdir(p, 0o700); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
		u.dirs[p] = dirMeta{mode: perm, mtime: hdr.ModTime}
	case tar.TypeReg:
		if err := u.replace(p); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		f, err := u.root.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		_, err = io.CopyN(f, tr, hdr.Size)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if err := u.root.Chmod(p, perm); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if err := u.root.Chtimes(p, hdr.ModTime, hdr.ModTime); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	case tar.TypeSymlink:
		if err := u.replace(p); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		// The target is stored as written and only ever resolved inside
		// the root filesystem (resolve below, or the container's own view).
		if err := u.root.Symlink(hdr.Linkname, p); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	case tar.TypeLink:
		tname, err := entryName(hdr.Linkname)
		if err != nil || tname == "." {
			return fmt.Errorf("%s: bad hard link target %q", where, hdr.Linkname)
		}
		tdir, tbase := path.Split(tname)
		tparent, err := u.resolve(tdir, false)
		if errors.Is(err, errNoDir) {
			return fmt.Errorf("%s: hard link target %q is missing", where, hdr.Linkname)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		target := path.Join(tparent, tbase)
		fi, err := u.root.Lstat(target)
		if err != nil || fi.IsDir() {
			return fmt.Errorf("%s: hard link target %q is missing or a directory", where, hdr.Linkname)
		}
		if target == p {
			return nil
		}
		if err := u.replace(p); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if err := u.root.Link(target, p); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		// Creating devices needs privilege, and the runner gives containers
		// their /dev itself.
		u.warnf("%s: skipped: device nodes and fifos are not created", where)
		return nil
	default:
		u.warnf("%s: skipped: unsupported tar entry type %q", where, hdr.Typeflag)
		return nil
	}
	u.layer[p] = true
	if hdr.Uid != 0 || hdr.Gid != 0 {
		u.owners[p] = Owner{Path: p, UID: hdr.Uid, GID: hdr.Gid}
	} else {
		delete(u.owners, p)
	}
	return nil
}

// entryName cleans a tar entry name into a path relative to the root
// filesystem. Absolute names are taken as relative to the root, as Docker
// does; names that climb out with ".." are refused.
func entryName(n string) (string, error) {
	rel := strings.TrimLeft(n, "/")
	for _, c := range strings.Split(rel, "/") {
		if c == ".." {
			return "", fmt.Errorf("entry %q: path escapes the root filesystem", n)
		}
	}
	if strings.ContainsRune(rel, 0) {
		return "", fmt.Errorf("entry %q: NUL in name", n)
	}
	return path.Clean("./" + rel), nil
}

// errNoDir reports that a directory to look in does not exist, so a
// whiteout there has nothing to remove.
var errNoDir = errors.New("no such directory")

// resolve follows dir's components inside the root filesystem, symlinks
// included, and returns the real relative path. With create, missing
// directories are made (layers may omit parent entries); a component that
// exists but is not a directory is an error.
func (u *unpacker) resolve(dir string, create bool) (string, error) {
	todo := strings.Split(dir, "/")
	cur := "."
	links := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			cur = path.Dir(cur) // path.Dir(".") is ".": ".." stops at the root
			continue
		}
		next := path.Join(cur, c)
		fi, err := u.root.Lstat(next)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if !create {
				return "", errNoDir
			}
			if err := u.root.Mkdir(next, 0o700); err != nil {
				return "", err
			}
			u.dirs[next] = dirMeta{mode: 0o755}
			u.layer[next] = true
			cur = next
		case err != nil:
			return "", err
		case fi.Mode()&fs.ModeSymlink != 0:
			// 40 is Linux's MAXSYMLINKS.
			if links++; links > 40 {
				return "", fmt.Errorf("%s: too many levels of symbolic links", dir)
			}
			target, err := u.root.Readlink(next)
			if err != nil {
				return "", err
			}
			if strings.HasPrefix(target, "/") {
				cur = "."
			}
			todo = append(strings.Split(target, "/"), todo...)
		case fi.IsDir():
			cur = next
		default:
			if !create {
				return "", errNoDir
			}
			return "", fmt.Errorf("%s: %s is not a directory", dir, next)
		}
	}
	return cur, nil
}

// replace removes whatever p is, so a new entry can take its place.
func (u *unpacker) replace(p string) error {
	fi, err := u.root.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return u.removeAll(p)
	}
	delete(u.owners, p)
	return u.root.Remove(p)
}

func (u *unpacker) removeAll(p string) error {
	if err := u.root.RemoveAll(p); err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		return err
	}
	for d := range u.dirs {
		if d == p || strings.HasPrefix(d, p+"/") {
			delete(u.dirs, d)
		}
	}
	for o := range u.owners {
		if o == p || strings.HasPrefix(o, p+"/") {
			delete(u.owners, o)
		}
	}
	return nil
}

// opaque empties dir of everything lower layers put there.
func (u *unpacker) opaque(dir string) error {
	f, err := u.root.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return err
	}
	for _, n := range names {
		p := path.Join(dir, n)
		if !u.layer[p] {
			if err := u.removeAll(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// finish gives directories their final modes and times, deepest first so
// that a read-only parent is set after its children.
func (u *unpacker) finish() error {
	var dirs []string
	for d := range u.dirs {
		dirs = append(dirs, d)
	}
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, d := range dirs {
		m := u.dirs[d]
		if !m.mtime.IsZero() {
			if err := u.root.Chtimes(d, m.mtime, m.mtime); err != nil {
				return err
			}
		}
		if err := u.root.Chmod(d, m.mode); err != nil {
			return err
		}
	}
	return nil
}
