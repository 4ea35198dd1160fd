package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode"
)

// jsonSniffBytes is how far kubectl's decoder looks for the `{` that makes it
// try JSON first (the buffer size kubectl passes to NewYAMLOrJSONDecoder).
const jsonSniffBytes = 4096

// jsonStream reads the leading JSON values of a stream that starts with `{`.
type jsonStream struct {
	tee      *teeReader
	dec      *json.Decoder
	count    int   // values read
	consumed int64 // decoder offset after the last value
}

// teeReader keeps what the JSON decoder has read but not yet consumed, so that
// the stream can fall back to YAML from the end of the last JSON value.
type teeReader struct {
	r       io.Reader
	pending []byte
	max     int
}

func (t *teeReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.pending = append(t.pending, p[:n]...)
	if len(t.pending) > t.max {
		return n, fmt.Errorf("%w: a JSON value may hold at most %d bytes", ErrDocumentTooLarge, t.max/2)
	}
	return n, err
}

// sniff decides, as kubectl does, whether the stream is tried as JSON: its
// first non-space byte within the first 4096 is `{` (a byte-order mark is not
// a space, so a stream that starts with one is YAML).
func (s *Splitter) sniff() {
	s.sniffed = true
	head, _ := s.r.Peek(jsonSniffBytes)
	if !bytes.HasPrefix(bytes.TrimLeftFunc(head, unicode.IsSpace), []byte("{")) {
		return
	}
	tee := &teeReader{r: s.r, max: 2*s.maxBytes + readerBufferSize}
	s.json = &jsonStream{tee: tee, dec: json.NewDecoder(tee)}
}

// nextJSON returns the next JSON value as a document. It returns neither a
// document nor an error once the stream has switched to YAML.
func (s *Splitter) nextJSON() (*Document, error) {
	js := s.json
	var raw json.RawMessage
	err := js.dec.Decode(&raw)
	if err == io.EOF {
		s.advance(js.tee.pending)
		s.done = true
		s.json = nil
		s.release()
		return nil, io.EOF
	}
	if err == nil {
		end := js.dec.InputOffset()
		chunk := js.tee.pending[:end-js.consumed]
		js.consumed = end
		lead := chunk[:len(chunk)-len(raw)]
		s.advance(lead)
		// Data is padded to the value's column, so it starts where the line does.
		doc := &Document{StartLine: s.line + 1, StartOffset: s.offset - s.col}
		if len(raw) > s.maxBytes {
			s.errLine = doc.StartLine
			return nil, fmt.Errorf("line %d: %w: a document may hold at most %d bytes", doc.StartLine, ErrDocumentTooLarge, s.maxBytes)
		}
		if !bytes.Equal(raw, []byte("null")) { // kubectl skips a null value like an empty document
			// Pad the value to its column so that positions in it stay right.
			doc.Data = append(bytes.Repeat([]byte(" "), s.col), raw...)
		}
		s.advance(raw)
		js.tee.pending = js.tee.pending[len(chunk):]
		js.count++
		s.started = true
		s.index++
		doc.Index = s.index
		return doc, nil
	}
	if errors.Is(err, ErrDocumentTooLarge) {
		s.errLine = s.line + 1
		return nil, fmt.Errorf("line %d: %w", s.errLine, err)
	}
	if js.count > 1 {
		// Two JSON values make the stream JSON for kubectl: it does not fall back.
		line, col := s.line+1, s.col+1
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Offset counts the bytes read up to and including the bad one.
			at := min(max(int(se.Offset-js.consumed)-1, 0), len(js.tee.pending))
			before := js.tee.pending[:at]
			if i := bytes.LastIndexByte(before, '\n'); i >= 0 {
				line += bytes.Count(before, []byte("\n"))
				col = at - i
			} else {
				col += at
			}
		}
		s.errLine = line
		return nil, &SyntaxError{Line: line, Column: col, Message: fmt.Sprintf(
			"kubectl reads a stream that starts with two JSON values as JSON to its end, and this is not JSON: %v", err)}
	}
	// YAML from the end of the last JSON value, after the blanks up to and
	// including the first newline.
	rest := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(js.tee.pending), s.r), readerBufferSize)
	s.json = nil
	s.r = rest
	for {
		r, size, err := rest.ReadRune()
		if err != nil {
			break
		}
		if !unicode.IsSpace(r) {
			_ = rest.UnreadRune()
			break
		}
		s.col += size
		s.offset += size
		if r == '\n' {
			s.line, s.col = s.line+1, 0
			break
		}
	}
	s.started = false // a `---` right after the JSON value opens no empty document
	return nil, nil
}

// advance moves the line and column past consumed bytes.
func (s *Splitter) advance(b []byte) {
	s.offset += len(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		s.line += bytes.Count(b, []byte("\n"))
		s.col = len(b) - i - 1
		return
	}
	s.col += len(b)
}
