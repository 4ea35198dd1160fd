package parity

import (
	"testing"
)

// FuzzParity feeds fuzzed objects to the API server's create path and to podlint.
// Neither side may panic, and they must reach the same verdict; objects podlint
// cannot read at all must be ones the API server refuses too. The corpus starts
// from the seed objects, so the fuzzer mutates real manifests.
func FuzzParity(f *testing.F) {
	ss := seeds(f)
	for _, c := range ss {
		f.Add(c.Data)
	}
	eng := engine(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		o, ok := Compare(eng, Case{Name: "fuzz", Data: data})
		if !ok || o.Agree() {
			return
		}
		t.Errorf("verdicts differ:\n%s\napiserver rejected=%v %q\npodlint rejected=%v input=%v %q",
			data, o.Oracle.Rejected, o.Oracle.Errors, o.Podlint.Rejected, o.Input, o.Podlint.Errors)
	})
}
