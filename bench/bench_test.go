package bench_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/podlint/podlint/bench"
	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/rules"
)

// benchObjects is the corpus size of BenchmarkCheckCorpus; PODLINT_BENCH_OBJECTS overrides it.
func benchObjects(b *testing.B) int {
	n := 5000
	if s := os.Getenv("PODLINT_BENCH_OBJECTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("PODLINT_BENCH_OBJECTS=%q: want a positive integer", s)
		}
		n = v
	}
	return n
}

// BenchmarkCheckCorpus runs the engine with all built-in rules over the generated
// corpus, with all cores and with one worker, and reports manifests per second of
// wall time and per second of CPU time (user+system, GC included).
//
//	go test -run XXX -bench CheckCorpus -benchtime 3x ./bench
func BenchmarkCheckCorpus(b *testing.B) {
	n := benchObjects(b)
	dir := b.TempDir()
	st, err := bench.Generate(dir, bench.Options{Objects: n, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{0, 1} {
		name := "workers=all"
		if workers == 1 {
			name = "workers=1"
		}
		b.Run(name, func(b *testing.B) {
			engine := lint.NewEngine(rules.All(), lint.Options{Workers: workers})
			b.ReportAllocs()
			cpu0, cpuOK := cpuTime()
			for b.Loop() {
				res := engine.Run(context.Background(), lint.Sources([]string{dir}, nil))
				if got := res.Summary.Objects + res.Summary.Skipped; got != st.Objects || len(res.Internal) > 0 {
					b.Fatalf("checked %d objects (want %d), internal errors: %v", got, st.Objects, res.Internal)
				}
			}
			b.ReportMetric(float64(st.Objects)*float64(b.N)/b.Elapsed().Seconds(), "manifests/s")
			// CPU time, GC included, is steadier than wall time on a shared machine.
			if cpu1, ok := cpuTime(); ok && cpuOK && cpu1 > cpu0 {
				b.ReportMetric(float64(st.Objects)*float64(b.N)/(cpu1-cpu0).Seconds(), "manifests/CPU-s")
			}
		})
	}
	b.Logf("corpus: %d objects in %d files, GOMAXPROCS=%d", st.Objects, st.Files, runtime.GOMAXPROCS(0))
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	opts := bench.Options{Objects: 200, Seed: 7}
	if _, err := bench.Generate(a, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := bench.Generate(b, opts); err != nil {
		t.Fatal(err)
	}
	files := 0
	err := filepath.WalkDir(a, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		rel, _ := filepath.Rel(a, path)
		want, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		got, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs between two runs with the same seed", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no files written")
	}
}

// TestCorpusMistakes checks that the corpus is what the benchmark claims: every
// object is read, each planted mistake yields exactly one error, and the rest is
// close to clean (a warning-level rule firing on many generated objects means the
// generator writes something unrealistic; infos such as bare-pod are expected).
func TestCorpusMistakes(t *testing.T) {
	dir := t.TempDir()
	st, err := bench.Generate(dir, bench.Options{Objects: 600, Seed: 3, MistakeRate: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	// The generator writes an application's Services without knowing which of its
	// workloads it writes (Jobs included), so the cross-object rules would judge
	// random pairings; their fixtures test them.
	crossObject := map[string]bool{}
	for _, r := range rules.All() {
		if r.CheckSet != nil {
			crossObject[r.ID] = true
		}
	}
	res := lint.NewEngine(rules.All(), lint.Options{Disabled: crossObject}).Run(context.Background(), lint.Sources([]string{dir}, nil))
	if res.Summary.Objects != st.Workloads || res.Summary.Skipped != st.Others || res.Summary.Files != st.Files {
		t.Errorf("summary %+v, corpus %+v", res.Summary, st)
	}
	if st.Mistakes == 0 || st.Discarded == 0 || res.Summary.Errors != st.Mistakes || res.Summary.Warnings > st.Discarded+st.Workloads/100 {
		t.Errorf("%d errors for %d planted mistakes, %d warnings for %d planted repeated keys on %d workloads", res.Summary.Errors, st.Mistakes, res.Summary.Warnings, st.Discarded, st.Workloads)
		for _, f := range res.Findings {
			if f.Severity >= lint.SeverityWarning {
				t.Logf("%s:%d: %s: %s", f.Position.File, f.Position.Line, f.Rule, f.Message)
			}
		}
	}
	if len(res.Internal) > 0 {
		t.Errorf("internal errors: %v", res.Internal)
	}
}

// BenchmarkPodSecurity measures what the Pod Security evaluation costs on the
// corpus, on one worker: without it (every pod-security rule disabled), as every
// run does it (each object evaluated, nothing enforced without labels or
// --pod-security), and enforcing restricted:latest everywhere (every finding
// placed and reported).
//
//	go test -run XXX -bench PodSecurity -benchtime 3x ./bench
func BenchmarkPodSecurity(b *testing.B) {
	n := benchObjects(b)
	dir := b.TempDir()
	st, err := bench.Generate(dir, bench.Options{Objects: n, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	off := map[string]bool{}
	for _, r := range lint.PodSecurityRules() {
		off[r.ID] = true
	}
	restricted, err := lint.ParsePodSecurityLevel("restricted")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opts lint.Options
	}{
		{"pod-security=off", lint.Options{Workers: 1, Disabled: off}},
		{"pod-security=labels", lint.Options{Workers: 1}},
		{"pod-security=restricted", lint.Options{Workers: 1, PodSecurity: lint.PodSecurityOptions{Default: restricted}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			engine := lint.NewEngine(rules.All(), c.opts)
			b.ReportAllocs()
			cpu0, cpuOK := cpuTime()
			findings := 0
			for b.Loop() {
				res := engine.Run(context.Background(), lint.Sources([]string{dir}, nil))
				if got := res.Summary.Objects + res.Summary.Skipped; got != st.Objects || len(res.Internal) > 0 {
					b.Fatalf("checked %d objects (want %d), internal errors: %v", got, st.Objects, res.Internal)
				}
				findings = len(res.Findings)
			}
			b.ReportMetric(float64(st.Objects)*float64(b.N)/b.Elapsed().Seconds(), "manifests/s")
			if cpu1, ok := cpuTime(); ok && cpuOK && cpu1 > cpu0 {
				b.ReportMetric(float64(st.Objects)*float64(b.N)/(cpu1-cpu0).Seconds(), "manifests/CPU-s")
			}
			b.ReportMetric(float64(findings), "findings")
		})
	}
}
