package rules

import (
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

// sortedMapKeys returns m's keys in order, so findings come out deterministically.
func sortedMapKeys[K ~string, V any](m map[K]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	return keys
}

// reportMsgs reports one finding per validation message at path, the way the API
// server turns each message of its name and value checks into one field error.
func reportMsgs(p *lint.Pass, path *field.Path, bad any, what string, msgs []string, hint string) {
	if len(msgs) == 0 {
		return
	}
	p.Report(path, field.ErrorTypeInvalid, bad, what+": "+strings.Join(msgs, "; "), hint)
}
