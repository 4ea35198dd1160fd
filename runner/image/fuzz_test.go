package image

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/podlint/podlint/runner/image/testimage"
)

// fuzzLimits keep each fuzz iteration small.
var fuzzLimits = Limits{MaxArchiveBytes: 1 << 20, MaxEntries: 256, MaxUnpackedBytes: 1 << 20, MaxEntryBytes: 1 << 18, MaxPathBytes: 1024}

func layerSeeds(f *testing.F) {
	layers := [][]testimage.Entry{
		{testimage.Dir("bin", 0o755), testimage.File("bin/app", 0o4755, "#!/bin/sh\n"), testimage.Symlink("bin/sh", "/bin/app"), testimage.Hardlink("bin/ln", "bin/app")},
		{testimage.Whiteout("bin/app"), testimage.Opaque("bin"), testimage.Dir("tmp", 0o1777)},
		{testimage.Symlink("out", "../../.."), testimage.File("out/x", 0o644, "x"), testimage.File("../x", 0o644, "x")},
	}
	for i, entries := range layers {
		raw, err := testimage.Layer{Entries: entries}.Tar()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
		if i == 0 {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(raw)
			zw.Close()
			f.Add(z.Bytes())
		}
	}
}

// FuzzUnpack applies arbitrary bytes as a layer (twice, so the second pass
// meets the first one's symlinks): it must never panic and never write
// outside the target directory.
func FuzzUnpack(f *testing.F) {
	layerSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		sb := newSandbox(t)
		u, err := newUnpacker(sb.root, fuzzLimits, func(string, ...any) {})
		if err != nil {
			t.Fatal(err)
		}
		defer u.root.Close()
		for range 2 {
			var r io.Reader = bytes.NewReader(data)
			if compression(data) == "gzip" {
				zr, err := gzip.NewReader(r)
				if err != nil {
					break
				}
				r = zr
			}
			if err := u.apply(context.Background(), r, "layer"); err != nil {
				break
			}
		}
		_ = u.finish()
		sb.checkHost(t)
		// Nothing privileged is ever created, whatever the headers say.
		filepath.WalkDir(sb.root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if fi, err := d.Info(); err == nil && fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket) != 0 {
				t.Errorf("%s: mode %v", p, fi.Mode())
			}
			return nil
		})
		if err := removeTree(sb.root); err != nil {
			t.Fatalf("removeTree: %v", err)
		}
	})
}

// FuzzLoad loads arbitrary bytes as an image archive and unpacks what
// loads: never a panic, and nothing written outside the store.
func FuzzLoad(f *testing.F) {
	var buf bytes.Buffer
	img := testimage.Image{Name: "localhost/fuzz:1", Created: testimage.Epoch, Layers: []testimage.Layer{{Gzip: true, Entries: []testimage.Entry{
		testimage.Dir("etc", 0o755), testimage.File("etc/hosts", 0o644, "127.0.0.1 localhost\n"), testimage.Symlink("link", "/etc"),
	}}}}
	if err := testimage.WriteDockerArchive(&buf, img); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	buf.Reset()
	if err := testimage.WriteOCIArchive(&buf, img); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		archive := filepath.Join(parent, "image.tar")
		if err := os.WriteFile(archive, data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Open(Options{Root: filepath.Join(parent, "store"), Limits: fuzzLimits})
		if err != nil {
			t.Fatal(err)
		}
		imgs, err := s.Load(context.Background(), archive)
		if err == nil {
			for _, img := range imgs {
				_, _ = img.RootFS(context.Background())
			}
		}
		ents, err := os.ReadDir(parent)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) != 2 {
			t.Fatalf("outside the store: %v", ents)
		}
		if b, err := os.ReadFile(archive); err != nil || !bytes.Equal(b, data) {
			t.Fatal("the archive changed")
		}
		if err := removeTree(s.Root()); err != nil {
			t.Fatalf("removeTree: %v", err)
		}
	})
}
