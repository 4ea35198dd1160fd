// Package manifest reads Kubernetes manifests: it splits streams into documents,
// parses each into a yaml.v3 node tree (for positions), and decodes it strictly
// into the k8s.io/api type of its kind.
package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Document is one YAML document of a stream.
type Document struct {
	// Index is 1-based within the stream.
	Index int
	Data  []byte
	// StartLine is the line of the stream on which Data begins (1-based).
	StartLine int
	// StartOffset is the byte offset in the stream at which Data begins (after a
	// UTF-8 byte order mark, which Data leaves out), so that edits of Data map
	// back to the stream's bytes.
	StartOffset int

	// Err, when set, is why kubectl cannot read this document although the
	// stream splits (a `---` line followed by more than a comment).
	Err *SyntaxError
}

// ErrDocumentTooLarge is returned (wrapped) when one document exceeds the size limit.
var ErrDocumentTooLarge = errors.New("document too large")

// Splitter cuts a stream into documents the way kubectl's decoder
// (apimachinery's yaml.NewYAMLOrJSONDecoder) does. A stream whose first
// non-space byte is `{` is first read as concatenated JSON values; when the
// first or second value is not JSON, the rest of the stream (from the end of
// the last JSON value) is YAML, and after two JSON values it must stay JSON.
// YAML is cut at lines that start with `---`, which may be followed only by
// blanks or a comment. It streams: only one document is held at a time.
type Splitter struct {
	r        *bufio.Reader
	bufs     *splitBuffers
	maxBytes int
	line     int // lines consumed so far
	offset   int // bytes consumed so far

	col     int // bytes consumed on the current line (JSON values can share a line)
	index   int
	started bool // a separator or content has been seen
	done    bool
	sawSep  bool
	errLine int // the line an error of Next is about
	sniffed bool
	json    *jsonStream // non-nil while the stream is read as JSON
}

// readerBufferSize is the read buffer of a splitter. Most manifest files are
// smaller than one buffer, so buffers are pooled rather than allocated per file.
const readerBufferSize = 64 << 10

// maxPooledDocument keeps a rare huge document's scratch buffer out of the pool.
const maxPooledDocument = 1 << 20

// splitBuffers are a splitter's reusable buffers: the read buffer, and the
// scratch space a document is assembled in before it is copied out at its size.
type splitBuffers struct {
	r   *bufio.Reader
	doc []byte
}

var splitPool = sync.Pool{New: func() any {
	return &splitBuffers{r: bufio.NewReaderSize(nil, readerBufferSize), doc: make([]byte, 0, 16<<10)}
}}

// NewSplitter returns a splitter over r that refuses documents larger than maxBytes.
func NewSplitter(r io.Reader, maxBytes int) *Splitter {
	b := splitPool.Get().(*splitBuffers)
	b.r.Reset(r)
	return &Splitter{r: b.r, bufs: b, maxBytes: maxBytes}
}

// release returns the buffers to the pool once the stream is exhausted; a
// splitter abandoned earlier leaves them to the garbage collector.
func (s *Splitter) release() {
	if s.bufs == nil {
		return
	}
	s.bufs.r.Reset(nil)
	if cap(s.bufs.doc) > maxPooledDocument {
		s.bufs.doc = nil
	}
	splitPool.Put(s.bufs)
	s.r, s.bufs = nil, nil
}

// Line returns the number of lines read so far.
func (s *Splitter) Line() int { return s.line }

// ErrorLine returns the line the last error of Next is about: the start of a
// document that is too large, the line that is too long or could not be read.
func (s *Splitter) ErrorLine() int { return s.errLine }

// Next returns the next document, or io.EOF. Documents that are only blank lines
// and comments are returned too (callers count them as empty), except a leading
// prelude before the first `---` and a blank tail after the last one.
func (s *Splitter) Next() (*Document, error) {
	if !s.sniffed {
		s.sniff()
	}
	if s.json != nil {
		if doc, err := s.nextJSON(); doc != nil || err != nil {
			return doc, err
		}
	}
	for !s.done {
		doc, sep, err := s.readChunk()
		if err != nil {
			return nil, err
		}
		first := !s.started
		s.started = true
		if sep {
			s.sawSep = true
		}
		if first && sep && doc.Err == nil && isCommentOnly(doc.Data) {
			continue // prelude before the first separator is not a document
		}
		if !sep && s.sawSep && isBlank(doc.Data) {
			continue // `---` at the very end opens no document
		}
		if !sep && !s.sawSep && s.index == 0 && isBlank(doc.Data) && len(doc.Data) == 0 {
			return nil, io.EOF
		}
		s.index++
		doc.Index = s.index
		return doc, nil
	}
	return nil, io.EOF
}

// readChunk reads lines up to the next separator (consumed, sep true) or EOF.
func (s *Splitter) readChunk() (*Document, bool, error) {
	buf := s.bufs.doc[:0]
	defer func() {
		if s.bufs != nil { // keep the grown scratch for the next document
			s.bufs.doc = buf[:0]
		}
	}()
	doc := &Document{StartLine: s.line + 1, StartOffset: s.offset}
	for {
		line, err := s.readLine()
		if len(line) > 0 {
			s.line++
			s.offset += len(line)
			if s.line == 1 && bytes.HasPrefix(line, []byte("\xef\xbb\xbf")) {
				line = line[3:]
				doc.StartOffset += 3
			}
			if sep, bad := isSeparator(line); sep {
				doc.Data = clone(buf)
				if bad != "" {
					// kubectl stops at this line, so the document it ends is never read.
					doc.Err = &SyntaxError{Line: s.line, Column: 4, Message: fmt.Sprintf(
						"kubectl reads a line that starts with --- as a document separator, and only a comment may follow it (found %q): kubectl stops reading the stream here", bad)}
				}
				return doc, true, nil
			}
			if len(buf)+len(line) > s.maxBytes {
				s.errLine = doc.StartLine
				return nil, false, fmt.Errorf("line %d: %w: a document may hold at most %d bytes", doc.StartLine, ErrDocumentTooLarge, s.maxBytes)
			}
			buf = append(buf, line...)
		}
		if err == io.EOF {
			s.done = true
			doc.Data = clone(buf)
			s.bufs.doc = buf[:0]
			s.release()
			return doc, false, nil
		}
		if err != nil {
			if s.errLine == 0 {
				s.errLine = s.line + 1 // the line that could not be read
				if len(line) > 0 {
					s.errLine = s.line
				}
			}
			return nil, false, err
		}
	}
}

// readLine returns one line with its newline, bounded by maxBytes. The line is
// valid only until the next read: readChunk copies it into the document.
func (s *Splitter) readLine() ([]byte, error) {
	var long []byte
	for {
		part, err := s.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long, part...)
			if len(long) > s.maxBytes {
				s.errLine = s.line + 1
				return nil, fmt.Errorf("line %d: %w: a line of more than %d bytes", s.line+1, ErrDocumentTooLarge, s.maxBytes)
			}
			continue
		}
		if long != nil {
			return append(long, part...), err
		}
		return part, err
	}
}

// clone copies a document out of the scratch buffer at its exact size (nil when empty).
func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b)
}

// isSeparator reports whether line separates documents for kubectl: any line
// that starts with `---`. A separator followed by anything but blanks or a
// comment is an error for kubectl; bad is then what follows. A `...`
// document-end marker separates nothing: kubectl's YAML parser ends the
// document there and ignores the rest up to the next `---`.
func isSeparator(line []byte) (sep bool, bad string) {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false, ""
	}
	rest := bytes.TrimSpace(line[3:])
	if len(rest) == 0 || rest[0] == '#' {
		return true, ""
	}
	return true, string(rest)
}

func isBlank(data []byte) bool { return len(bytes.TrimSpace(data)) == 0 }

// isCommentOnly reports whether data holds only blank lines and comments.
func isCommentOnly(data []byte) bool {
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' {
			return false
		}
	}
	return true
}

// IsEmpty reports whether a document holds no YAML content (only blanks and comments).
func IsEmpty(data []byte) bool { return isCommentOnly(data) }
