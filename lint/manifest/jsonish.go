package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// checkJSONExtensions refuses a document written as JSON (its first character is
// `{`) that uses comments or trailing commas. YAML accepts both in flow style, but
// kubectl reads a stream that starts with `{` as JSON, which has neither, so
// `kubectl apply` fails where a YAML parser would not. Other invalid JSON is left
// to the YAML parser, which reads flow-style YAML such as {a: 1} correctly.
func checkJSONExtensions(doc *Document) error {
	data := bytes.TrimLeft(doc.Data, " \t\r\n")
	if len(data) == 0 || data[0] != '{' || json.Valid(doc.Data) {
		return nil
	}
	line, col := 1, 0
	inString := false
	lastComma := -1 // offset of a comma with only blanks after it so far
	var commaLine, commaCol int
	for i := 0; i < len(doc.Data); i++ {
		c := doc.Data[i]
		col++
		if c == '\n' {
			line, col = line+1, 0
		}
		if inString {
			switch c {
			case '\\':
				i++
				col++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			lastComma = -1
		case ' ', '\t', '\r', '\n':
		case ',':
			lastComma, commaLine, commaCol = i, line, col
		case '}', ']':
			if lastComma >= 0 {
				return &SyntaxError{Line: doc.StartLine + commaLine - 1, Message: fmt.Sprintf(
					"trailing comma at column %d before %q: JSON does not allow trailing commas, and kubectl reads a document that starts with { as JSON", commaCol, c)}
			}
		case '/', '#':
			if c == '#' || i+1 < len(doc.Data) && (doc.Data[i+1] == '/' || doc.Data[i+1] == '*') {
				return &SyntaxError{Line: doc.StartLine + line - 1, Message: fmt.Sprintf(
					"comment at column %d: JSON does not allow comments, and kubectl reads a document that starts with { as JSON", col)}
			}
			lastComma = -1
		default:
			lastComma = -1
		}
	}
	return nil
}
