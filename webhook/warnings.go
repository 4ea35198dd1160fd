package webhook

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The API server turns each admission warning into a Warning header of the
// response (k8s.io/apiserver/pkg/endpoints/filters/warning.go): once the warnings
// add up to more than 4096 runes it truncates every one to 256 runes and drops
// whatever still does not fit; k8s.io/apimachinery's NewWarningHeader drops a
// warning with control characters altogether. podlint stays within those limits
// itself so that what the user sees is chosen, not cut at random.
const (
	maxWarningRunes      = 256
	maxWarningTotalRunes = 4096
)

// boundWarnings cleans, truncates and limits warnings; when some do not fit it
// ends with one that says how many were left out.
func boundWarnings(ws []string) []string {
	if len(ws) == 0 {
		return nil
	}
	var out []string
	total := 0
	for i, w := range ws {
		w = truncateRunes(clean(w), maxWarningRunes)
		n := utf8.RuneCountInString(w)
		rest := len(ws) - i - 1
		// Keep room for the summary unless this is the last warning.
		reserve := 0
		if rest > 0 {
			reserve = utf8.RuneCountInString(omitted(rest + 1))
		}
		if total+n+reserve > maxWarningTotalRunes {
			out = append(out, omitted(len(ws)-i))
			return out
		}
		out = append(out, w)
		total += n
	}
	return out
}

func omitted(n int) string {
	return fmt.Sprintf("podlint: %d more findings are not shown (the webhook's log lists them all)", n)
}

// clean replaces control characters (a multi-line message or a hostile value)
// with spaces, and invalid UTF-8 with U+FFFD.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
