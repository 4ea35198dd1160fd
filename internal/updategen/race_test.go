//go:build race

package updategen_test

// The race detector makes the full-size dry run take minutes on CI's shared
// cores; the generator is single-goroutine, so a smaller run finds the same races.
const raceEnabled = true
