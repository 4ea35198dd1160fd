package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
)

// Owner is a path of an unpacked root filesystem to which the image's layers
// gave an owner other than root (uid or gid not 0). Unpacking without
// privilege leaves every file to the invoking user, so the runner applies
// these inside the Pod's user namespace, where those ids are mapped.
type Owner struct {
	// Path is relative to the root filesystem, with no symlink in its
	// directories (the unpacker resolves them); the last element may be a
	// symlink, whose own owner is meant.
	Path string `json:"path"`
	UID  int    `json:"uid"`
	GID  int    `json:"gid"`
}

// ownersSuffix names, next to rootfs/<id-hex>/, the image's owners file.
const ownersSuffix = ".owners.json"

// OwnersFile returns the file listing the non-root owners of the root
// filesystem RootFS returned (see ReadOwners): rootfs + ".owners.json". A root
// filesystem unpacked by an older podlint has none.
func OwnersFile(rootfs string) string { return rootfs + ownersSuffix }

// maxOwnersFile bounds what ReadOwners reads: an entry per tar entry at most
// (Limits.MaxEntries defaults to 1<<20), each well under 4 KiB.
const maxOwnersFile = 1 << 30

// ReadOwners reads an owners file; a missing one lists nothing.
func ReadOwners(path string) ([]Owner, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var owners []Owner
	if err := json.NewDecoder(io.LimitReader(f, maxOwnersFile)).Decode(&owners); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return owners, nil
}

func writeOwners(path string, owners []Owner) error {
	b, err := json.Marshal(owners)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// ownerList returns the owners in path order: a directory before what is in
// it.
func (u *unpacker) ownerList() []Owner {
	out := make([]Owner, 0, len(u.owners))
	for _, o := range u.owners {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}
