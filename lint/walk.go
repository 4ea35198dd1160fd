package lint

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Source is one input stream: a file, or stdin named "-".
type Source struct {
	Name string
	Open func() (io.ReadCloser, error)
	// Err is set when the path could not even be listed.
	Err error
	// Walked is true for files found by walking a directory: those that turn
	// out not to be text are skipped with a reason instead of failing the run.
	Walked bool
	// Skip, when set, is why a directory entry is not read at all (a FIFO, a
	// symlinked directory); it is reported as a skipped entry.
	Skip string
}

// Sources expands paths into sources: files as given, directories recursively
// (*.yaml, *.yml, *.json, skipping hidden directories), "-" as stdin. Like
// kubectl -R, a walk does not follow symbolic links to directories, so a link
// loop cannot make it run forever; it reports them instead. Entries that are
// not regular files (FIFOs, sockets, devices) are skipped, since opening a FIFO
// blocks until something writes to it.
func Sources(paths []string, stdin io.Reader) []Source {
	var out []Source
	for _, p := range paths {
		if p == "-" {
			out = append(out, Source{Name: "-", Open: func() (io.ReadCloser, error) { return io.NopCloser(stdin), nil }})
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			out = append(out, Source{Name: p, Err: err})
			continue
		}
		if !info.IsDir() {
			// Named explicitly: read whatever it is, e.g. a pipe from <(helm template).
			out = append(out, fileSource(p))
			continue
		}
		root := p
		if li, err := os.Lstat(p); err == nil && li.Mode()&fs.ModeSymlink != 0 {
			// WalkDir does not follow a symlinked root; a trailing separator makes
			// the system resolve it, and the walk still names files under p.
			root = p + string(filepath.Separator)
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				out = append(out, Source{Name: path, Err: err, Walked: true})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if path != root && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir
				}
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				out = append(out, symlinkSource(path)...)
				return nil
			}
			if !hasManifestExt(path) {
				return nil
			}
			if !d.Type().IsRegular() {
				out = append(out, Source{Name: path, Walked: true, Skip: "not a regular file (" + typeName(d.Type()) + ")"})
				return nil
			}
			s := fileSource(path)
			s.Walked = true
			out = append(out, s)
			return nil
		})
		if err != nil {
			out = append(out, Source{Name: p, Err: err})
		}
	}
	return out
}

// symlinkSource decides what a symbolic link met in a walk becomes: a loop or a
// dangling link is an unreadable entry, a link to a directory is reported as
// not followed, a link to a manifest file is read.
func symlinkSource(path string) []Source {
	info, err := os.Stat(path)
	switch {
	case err != nil:
		if !hasManifestExt(path) && !strings.Contains(err.Error(), "too many levels") {
			return nil // a dangling link to something podlint would not read anyway
		}
		return []Source{{Name: path, Err: err, Walked: true}}
	case info.IsDir():
		return []Source{{Name: path, Walked: true, Skip: "symbolic link to a directory, not followed (name the directory to check it)"}}
	case !hasManifestExt(path):
		return nil
	case !info.Mode().IsRegular():
		return []Source{{Name: path, Walked: true, Skip: "not a regular file (" + typeName(info.Mode().Type()) + ")"}}
	}
	s := fileSource(path)
	s.Walked = true
	return []Source{s}
}

func hasManifestExt(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

func typeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return m.String()
}

func fileSource(path string) Source {
	return Source{Name: path, Open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// sniffBytes is how much of a file is looked at to tell text from binary; git
// looks at the first 8000 bytes for the same purpose.
const sniffBytes = 8 << 10

// sniffText reports why the start of r is not UTF-8 text, or "" when it is.
func sniffText(r *bufio.Reader) string {
	head, _ := r.Peek(sniffBytes)
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}) || bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return "file is UTF-16 encoded; podlint reads UTF-8 (convert it with iconv -f UTF-16 -t UTF-8)"
	}
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return fmt.Sprintf("file is binary, not YAML or JSON text (a NUL byte at offset %d)", i)
	}
	for i := 0; i < len(head); {
		r, size := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && size == 1 {
			if len(head)-i < utf8.UTFMax && !utf8.FullRune(head[i:]) {
				break // a rune cut by the sniff window
			}
			line := 1 + bytes.Count(head[:i], []byte("\n"))
			return fmt.Sprintf("file is not UTF-8 text (byte 0x%02X at line %d); YAML and JSON must be UTF-8 encoded (convert it with iconv -t UTF-8)", head[i], line)
		}
		i += size
	}
	return ""
}
