//go:build !race

package updategen_test

const raceEnabled = false
