//go:build !unix

package bench_test

import "time"

// cpuTime is not measured here; the benchmark then reports wall-clock throughput only.
func cpuTime() (time.Duration, bool) { return 0, false }
