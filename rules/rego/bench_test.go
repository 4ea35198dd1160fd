package rego_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/rules"
	"github.com/podlint/podlint/rules/rego"
)

// corpus generates n realistic manifest files, deterministically: Deployments,
// StatefulSets, DaemonSets, Jobs, CronJobs and Pods, some as several documents
// in one file (as helm template prints them), with init containers, sidecars,
// probes, resources and images from several registries, a share of them
// breaking one policy or another. It returns the files and the object count.
func corpus(n int) (files [][]byte, objects int) {
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	images := []string{
		"registry.example.com/shop/%s:1.%d.0", "ghcr.io/example/%s:2.%d.1", "registry.example.com/shop/%s",
		"docker.io/library/%s:%d", "%s:latest", "quay.io/team/%s:v%d", "registry.example.com/shop/%s@sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
	}
	image := func(name string) string {
		f := images[r.IntN(len(images))]
		if strings.Count(f, "%") == 1 {
			return fmt.Sprintf(f, name)
		}
		return fmt.Sprintf(f, name, r.IntN(30))
	}
	container := func(b *strings.Builder, indent, name string, app bool) {
		fmt.Fprintf(b, "%s- name: %s\n%s  image: %s\n", indent, name, indent, image(name))
		if r.IntN(3) > 0 {
			fmt.Fprintf(b, "%s  imagePullPolicy: %s\n", indent, pick("IfNotPresent", "Always"))
		}
		if app {
			fmt.Fprintf(b, "%s  ports:\n%s    - name: http\n%s      containerPort: 8080\n", indent, indent, indent)
			fmt.Fprintf(b, "%s  env:\n%s    - name: LOG_LEVEL\n%s      value: info\n%s    - name: POD_NAME\n%s      valueFrom: {fieldRef: {fieldPath: metadata.name}}\n", indent, indent, indent, indent, indent)
		}
		if r.IntN(4) > 0 {
			fmt.Fprintf(b, "%s  resources:\n%s    requests: {cpu: %dm, memory: %dMi}\n", indent, indent, 50*(1+r.IntN(8)), 64*(1+r.IntN(8)))
			if r.IntN(3) > 0 {
				fmt.Fprintf(b, "%s    limits: {memory: %dMi}\n", indent, 128*(1+r.IntN(8)))
			}
		}
		if app && r.IntN(5) > 0 {
			fmt.Fprintf(b, "%s  readinessProbe:\n%s    httpGet: {path: /ready, port: http}\n%s    periodSeconds: 5\n", indent, indent, indent)
			if r.IntN(3) > 0 {
				fmt.Fprintf(b, "%s  livenessProbe:\n%s    httpGet: {path: /healthz, port: http}\n%s    initialDelaySeconds: 10\n", indent, indent, indent)
			}
		}
		if r.IntN(2) == 0 {
			fmt.Fprintf(b, "%s  securityContext:\n%s    runAsUser: %d\n%s    allowPrivilegeEscalation: false\n", indent, indent, pick0(r, 0, 1000, 1000, 65532), indent)
		}
		fmt.Fprintf(b, "%s  volumeMounts:\n%s    - name: cache\n%s      mountPath: /var/cache/%s\n", indent, indent, indent, name)
	}
	podSpec := func(b *strings.Builder, indent, name, restart string) {
		if restart != "" {
			fmt.Fprintf(b, "%srestartPolicy: %s\n", indent, restart)
		}
		if r.IntN(2) == 0 {
			fmt.Fprintf(b, "%ssecurityContext:\n%s  runAsNonRoot: true\n%s  fsGroup: 2000\n", indent, indent, indent)
		}
		fmt.Fprintf(b, "%sterminationGracePeriodSeconds: 30\n", indent)
		if r.IntN(2) == 0 {
			fmt.Fprintf(b, "%sinitContainers:\n", indent)
			container(b, indent, "migrate", false)
			if r.IntN(2) == 0 {
				container(b, indent, "log-shipper", false)
				fmt.Fprintf(b, "%s  restartPolicy: Always\n", indent)
			}
		}
		fmt.Fprintf(b, "%scontainers:\n", indent)
		container(b, indent, name, true)
		if r.IntN(3) == 0 {
			container(b, indent, name+"-metrics", false)
		}
		fmt.Fprintf(b, "%svolumes:\n%s  - name: cache\n%s    emptyDir: {sizeLimit: 1Gi}\n", indent, indent, indent)
	}
	meta := func(b *strings.Builder, kind, apiVersion, name string) {
		fmt.Fprintf(b, "apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app.kubernetes.io/name: %s\n    app.kubernetes.io/part-of: shop\n  annotations:\n    example.com/team: %s\n", apiVersion, kind, name, pick("shop", "payments", "search"), name, pick("payments", "search", "growth"))
	}
	template := func(b *strings.Builder, name, restart string) {
		fmt.Fprintf(b, "  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: %s\n    spec:\n", name)
		podSpec(b, "      ", name, restart)
	}
	for i := 0; i < n; i++ {
		var b strings.Builder
		docs := 1 + r.IntN(3)
		for d := 0; d < docs; d++ {
			name := fmt.Sprintf("%s-%d", pick("web", "api", "worker", "cart", "search", "report", "billing"), i*3+d)
			if d > 0 {
				b.WriteString("---\n")
			}
			fmt.Fprintf(&b, "# Source: shop/templates/%s.yaml\n", name)
			switch k := r.IntN(10); {
			case k < 4:
				meta(&b, "Deployment", "apps/v1", name)
				fmt.Fprintf(&b, "spec:\n  replicas: %d\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: %s\n", 1+r.IntN(5), name)
				template(&b, name, "")
			case k < 5:
				meta(&b, "StatefulSet", "apps/v1", name)
				fmt.Fprintf(&b, "spec:\n  serviceName: %s\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: %s\n", name, name)
				template(&b, name, "")
			case k < 6:
				meta(&b, "DaemonSet", "apps/v1", name)
				fmt.Fprintf(&b, "spec:\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: %s\n", name)
				template(&b, name, "")
			case k < 7:
				meta(&b, "Job", "batch/v1", name)
				fmt.Fprintf(&b, "spec:\n  backoffLimit: 3\n")
				template(&b, name, "OnFailure")
			case k < 8:
				meta(&b, "CronJob", "batch/v1", name)
				fmt.Fprintf(&b, "spec:\n  schedule: \"*/15 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n")
				podSpec(&b, "          ", name, "Never")
			default:
				meta(&b, "Pod", "v1", name)
				b.WriteString("spec:\n")
				podSpec(&b, "  ", name, "")
			}
			objects++
		}
		files = append(files, []byte(b.String()))
	}
	return files, objects
}

func pick0(r *rand.Rand, xs ...int) int { return xs[r.IntN(len(xs))] }

// sources serves the corpus from memory, so the benchmark measures checking, not disks.
func sources(files [][]byte) []lint.Source {
	out := make([]lint.Source, len(files))
	for i, f := range files {
		out[i] = lint.Source{Name: fmt.Sprintf("corpus/%04d.yaml", i), Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(f)), nil
		}}
	}
	return out
}

func benchmarkEngine(b *testing.B, withPolicies bool) {
	all := rules.All()
	if withPolicies {
		set, err := rego.Load(context.Background(), []string{examples}, rego.Options{})
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, set.Rules()...)
	}
	files, objects := corpus(300)
	srcs := sources(files)
	// Workers follows GOMAXPROCS, so -cpu 1 measures one core.
	e := lint.NewEngine(all, lint.Options{})
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		res := e.Run(context.Background(), srcs)
		if res.Summary.Objects != objects || len(res.Internal) > 0 || res.InputErrors() > 0 {
			b.Fatalf("checked %d of %d objects; internal %v; %d input errors", res.Summary.Objects, objects, res.Internal, res.InputErrors())
		}
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(objects)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
	if cpu > 0 {
		b.ReportMetric(float64(objects)*float64(b.N)/cpu.Seconds(), "objects/cpu-s")
	}
}

// BenchmarkBuiltins runs the built-in rules alone over the corpus:
// go test -run '^$' -bench . -cpu 1 ./rules/rego/
func BenchmarkBuiltins(b *testing.B) { benchmarkEngine(b, false) }

// BenchmarkBuiltinsAndPolicies adds the five example policies.
func BenchmarkBuiltinsAndPolicies(b *testing.B) { benchmarkEngine(b, true) }

// TestWriteBenchCorpus writes the benchmark's corpus to $PODLINT_BENCH_CORPUS
// for scripts/bench-policy.sh, which runs podlint and conftest on the same files.
func TestWriteBenchCorpus(t *testing.T) {
	dir := os.Getenv("PODLINT_BENCH_CORPUS")
	if dir == "" {
		t.Skip("PODLINT_BENCH_CORPUS not set; scripts/bench-policy.sh sets it to write the corpus")
	}
	files, objects := corpus(envInt(t, "PODLINT_BENCH_FILES", 2000))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%04d.yaml", i)), f, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The count goes beside the corpus, where neither tool reads it as input.
	if err := os.WriteFile(filepath.Clean(dir)+".objects", []byte(fmt.Sprintln(objects)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var n int
	if _, err := fmt.Sscan(v, &n); err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// TestCorpusIsChecked keeps the benchmark honest: the corpus decodes without
// input errors and the policies find something in it.
func TestCorpusIsChecked(t *testing.T) {
	files, objects := corpus(50)
	set := load(t, rego.Options{}, examples)
	res := lint.NewEngine(append(rules.All(), set.Rules()...), lint.Options{}).Run(context.Background(), sources(files))
	if res.Summary.Objects != objects || res.InputErrors() > 0 || len(res.Internal) > 0 {
		t.Fatalf("checked %d of %d objects; %d input errors; internal %v", res.Summary.Objects, objects, res.InputErrors(), res.Internal)
	}
	byRule := map[string]int{}
	for _, f := range res.Findings {
		byRule[f.Rule]++
	}
	for _, p := range set.Policies {
		if byRule[p.Rule.ID] == 0 {
			t.Errorf("policy %s finds nothing in the corpus", p.Rule.ID)
		}
	}
}
