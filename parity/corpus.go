package parity

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/podlint/podlint/lint/manifest"
)

// Case is one object fed to both sides.
type Case struct {
	// Name says where the object comes from: file#document[/items[N]], or the
	// generator's seed and mutation.
	Name string
	Data []byte
}

// Fixtures returns every object of every manifest under roots (the repository's
// rules/testdata and testdata), one Case per document, and one per item of a List,
// so both sides judge exactly the same bytes.
func Fixtures(roots ...string) ([]Case, error) {
	var files []string
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch strings.ToLower(filepath.Ext(p)) {
			case ".yaml", ".yml", ".json":
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(files)
	var out []Case
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		cs, err := SplitObjects(f, data)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// SplitObjects cuts a stream into one Case per object with podlint's own splitter
// (the kubectl rules for `---`). A List becomes one Case per item, re-encoded as
// YAML from its node so duplicate keys survive; empty documents are dropped.
func SplitObjects(name string, data []byte) ([]Case, error) {
	sp := manifest.NewSplitter(bytes.NewReader(data), 8<<20)
	var out []Case
	for {
		doc, err := sp.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if manifest.IsEmpty(doc.Data) {
			continue
		}
		base := name + "#" + strconv.Itoa(doc.Index)
		root, err := manifest.Parse(doc)
		if err != nil {
			out = append(out, Case{Name: base, Data: doc.Data})
			continue
		}
		items, ok := manifest.Items(root)
		if !ok || len(items) == 0 || (len(items) == 1 && items[0].Path == "") {
			out = append(out, Case{Name: base, Data: doc.Data})
			continue
		}
		for _, it := range items {
			b, err := yamlv3.Marshal(it.Node)
			if err != nil {
				return nil, err
			}
			out = append(out, Case{Name: base + "/" + it.Path, Data: b})
		}
	}
}
