//go:build !linux || !cgo

package runner

// Reexec reports whether this process was a re-execution of podlint; without
// Linux and cgo there are none.
func Reexec() bool { return false }

// SealExecutable does nothing without Linux and cgo.
func SealExecutable() {}
