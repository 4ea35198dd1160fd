package image

import "fmt"

// Limits bound what the store reads and writes, so that a hostile or broken
// archive fails with a named limit instead of filling the disk or memory.
// A zero field takes its value from [DefaultLimits].
type Limits struct {
	// MaxArchiveBytes bounds the size of an archive given to Load (after
	// gzip decompression of the whole archive) and of each blob pulled.
	MaxArchiveBytes int64
	// MaxEntries bounds the number of tar entries in an archive and in all
	// layers of one image together.
	MaxEntries int64
	// MaxUnpackedBytes bounds the bytes written when unpacking one image's
	// root filesystem, and the decompressed size of each layer.
	MaxUnpackedBytes int64
	// MaxEntryBytes bounds a single file in a layer or archive.
	MaxEntryBytes int64
	// MaxPathBytes bounds an entry name and a symlink or hard link target.
	MaxPathBytes int64
}

// DefaultLimits returns the limits used for zero fields: generous for the
// images a Pod under test runs, small enough to stop a decompression bomb.
func DefaultLimits() Limits {
	return Limits{
		MaxArchiveBytes:  8 << 30,
		MaxEntries:       1 << 20,
		MaxUnpackedBytes: 16 << 30,
		MaxEntryBytes:    4 << 30,
		MaxPathBytes:     4096, // Linux PATH_MAX
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxArchiveBytes <= 0 {
		l.MaxArchiveBytes = d.MaxArchiveBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxUnpackedBytes <= 0 {
		l.MaxUnpackedBytes = d.MaxUnpackedBytes
	}
	if l.MaxEntryBytes <= 0 {
		l.MaxEntryBytes = d.MaxEntryBytes
	}
	if l.MaxPathBytes <= 0 {
		l.MaxPathBytes = d.MaxPathBytes
	}
	return l
}

// LimitError reports input that breached one of the [Limits].
type LimitError struct {
	// Limit is the name of the Limits field, e.g. "MaxEntryBytes".
	Limit string
	// Max is the limit's value.
	Max int64
	// Where names the archive, layer or entry that breached it.
	Where string
}

func (e *LimitError) Error() string {
	what := map[string]string{
		"MaxArchiveBytes":  "archive size limit",
		"MaxEntries":       "entry count limit",
		"MaxUnpackedBytes": "unpacked size limit",
		"MaxEntryBytes":    "single entry size limit",
		"MaxPathBytes":     "path length limit",
	}[e.Limit]
	return fmt.Sprintf("%s: exceeds the %s (%s = %d)", e.Where, what, e.Limit, e.Max)
}
