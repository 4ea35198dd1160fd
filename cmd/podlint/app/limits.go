package app

import (
	"fmt"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/manifest"
)

// limitFlags are the input limits a legitimate input can reach; the others
// (depth, scalar length, alias expansion) only stop hostile input and stay fixed.
type limitFlags struct {
	fileSize, documentSize string
	documents, objects     int
	nodes                  int
}

func (l *limitFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&l.fileSize, "max-file-size", "64Mi", "largest file or stream read, as a Kubernetes quantity (64Mi, 200M)")
	fl.StringVar(&l.documentSize, "max-document-size", "8Mi", "largest YAML document (and line), as a Kubernetes quantity")
	fl.IntVar(&l.documents, "max-documents", lint.DefaultMaxDocuments, "most documents read from one file or stream")
	fl.IntVar(&l.objects, "max-objects", lint.DefaultMaxObjects, "most objects checked in one run, List items and other kinds included")
	fl.IntVar(&l.nodes, "max-nodes", manifest.DefaultMaxNodes, "most YAML nodes (keys, values, lists, maps) in one document")
}

// apply sets the limits in opts, or says which flag is wrong.
func (l *limitFlags) apply(opts *lint.Options) error {
	file, err := byteSize("--max-file-size", l.fileSize, 1<<62)
	if err != nil {
		return err
	}
	doc, err := byteSize("--max-document-size", l.documentSize, 1<<30)
	if err != nil {
		return err
	}
	for name, v := range map[string]int{"--max-documents": l.documents, "--max-objects": l.objects, "--max-nodes": l.nodes} {
		if v <= 0 {
			return fmt.Errorf("%s: want a positive number, got %d", name, v)
		}
	}
	opts.MaxFileBytes, opts.MaxDocumentBytes = file, int(doc)
	opts.MaxDocuments, opts.MaxObjects = l.documents, l.objects
	opts.DocumentLimits.MaxNodes = l.nodes
	return nil
}

func byteSize(flag, s string, max int64) (int64, error) {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a size (write 64Mi or 100M): %v", flag, s, err)
	}
	n, ok := q.AsInt64()
	if !ok || n <= 0 || n > max {
		return 0, fmt.Errorf("%s: %q is not a size between 1 byte and %d bytes", flag, s, max)
	}
	return n, nil
}
