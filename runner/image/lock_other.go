//go:build !unix

package image

// lock is a no-op where flock is unavailable: the runner needs Linux, and
// elsewhere the store serves only one process at a time.
func (s *Store) lock() (func(), error) { return func() {}, nil }
