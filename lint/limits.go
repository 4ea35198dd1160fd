package lint

import (
	"fmt"

	"github.com/podlint/podlint/lint/manifest"
)

// Default input limits; every one is named in the input-limit finding that
// enforces it, with the flag that raises it where raising it makes sense.
const (
	// DefaultMaxFileBytes bounds one file or stream; the rest of a larger one is not read.
	DefaultMaxFileBytes = 64 << 20
	// DefaultMaxDocumentBytes bounds one document, and so one line. The API
	// server refuses request bodies over 3 MiB and etcd objects over 1.5 MiB.
	DefaultMaxDocumentBytes = 8 << 20
	// DefaultMaxDocuments bounds the documents of one file or stream; a large
	// umbrella chart renders a few thousand.
	DefaultMaxDocuments = 10_000
	// DefaultMaxObjects bounds the objects of one run, List items, skipped
	// kinds and unreadable objects included, so the result held in memory
	// stays bounded.
	DefaultMaxObjects = 100_000
)

// Limit names, as used in input-limit messages. The per-document ones are
// manifest's (manifest.LimitNodes, ...).
const (
	LimitFileBytes     = "file-bytes"
	LimitDocumentBytes = "document-bytes"
	LimitDocuments     = "documents"
	LimitObjects       = "objects"
)

// withLimitDefaults fills the zero limits of o with the defaults.
func (o Options) withLimitDefaults() Options {
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.MaxDocumentBytes <= 0 {
		o.MaxDocumentBytes = DefaultMaxDocumentBytes
	}
	if o.MaxDocuments <= 0 {
		o.MaxDocuments = DefaultMaxDocuments
	}
	if o.MaxObjects <= 0 {
		o.MaxObjects = DefaultMaxObjects
	}
	o.DocumentLimits = o.DocumentLimits.WithDefaults()
	return o
}

// limitHints says, per limit, what to do about it; limits a legitimate
// manifest can reach name the command-line flag that raises them.
var limitHints = map[string]string{
	LimitFileBytes:              "Split the file, or raise the limit with --max-file-size.",
	LimitDocumentBytes:          "Split the document or shorten the line, or raise the limit with --max-document-size.",
	LimitDocuments:              "Split the stream into several files, or raise the limit with --max-documents.",
	LimitObjects:                "Check fewer files in one run, or raise the limit with --max-objects.",
	manifest.LimitNodes:         "Split the object into smaller ones, or raise the limit with --max-nodes if it is legitimate.",
	manifest.LimitDepth:         "Flatten the document: Kubernetes objects nest a few dozen levels at most.",
	manifest.LimitScalarBytes:   "Shorten the value: the API server stores whole objects of at most 1.5 MiB.",
	manifest.LimitExpandedNodes: "Remove the runaway YAML aliases or merge keys; kubectl would expand them too.",
	manifest.LimitExpandedBytes: "Remove the runaway YAML aliases; kubectl would expand them too.",
}

// limitFinding is the input-limit finding for limit at a position.
func limitFinding(limit, file string, doc, line, col int, msg string) Finding {
	f := inputFinding(RuleInputLimit, file, doc, line, msg)
	f.Position.Column = col
	if h, ok := limitHints[limit]; ok {
		f.Hint = h
	}
	return f
}

// bytesString renders a byte count with its binary unit, for limit messages.
func bytesString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
