// Package updategen generates (old, new) manifest pairs for update differential
// tests: a random valid object of a kind podlint checks, and a copy of it with
// one mutation of one field, mutable or not. Generation is deterministic for a
// seed. Each pair carries the verdict the Kubernetes source predicts (Allowed),
// which the oracle compares with both podlint's and the API server's verdicts.
//
// The objects are shaped so that an update means the same whether it is sent as
// a PUT of the new manifest or as `kubectl apply` (a patch against the live
// object), so that an oracle may use either: images always carry a tag other
// than latest (the imagePullPolicy default does not depend on the edit), Pods set
// automountServiceAccountToken: false (no token volume is injected), and Jobs use
// manualSelector with their own selector (the API server generates none). What
// the API server still adds to a live Pod (spec.nodeName once scheduled, the
// not-ready/unreachable tolerations of the DefaultTolerationSeconds admission
// plugin) must be preserved by the oracle, as kubectl apply does.
//
// Wiring into the parity module (module github.com/podlint/podlint/parity,
// which requires github.com/podlint/podlint with a replace to ../; the import
// path prefix makes this internal package importable from it), in
// parity/update_pairs.go:
//
//	pairs, _ := updategen.Generate(updategen.Options{Seed: seed, Pods: 1000, Workloads: 500})
//	for _, p := range pairs {
//		// API server: decode p.Old and p.New with the strict, defaulting legacyscheme
//		// decoder the create oracle uses; strategy.PrepareForCreate(ctx, old);
//		// strategy.PrepareForUpdate(ctx, new, old); errs := strategy.ValidateUpdate(ctx, new, old)
//		// (strategies from the registry packages the create oracle lists).
//		// podlint: eng.RunUpdate(ctx, lint.Sources([]string{oldFile}, nil), lint.Sources([]string{newFile}, nil)),
//		// or eng.CheckUpdate on lint.NewObject values; rejected = any api-category error.
//		// Both verdicts must equal each other (and p.Allowed, which localizes a disagreement).
//	}
package updategen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"

	yaml "go.yaml.in/yaml/v3"
)

// Pair is one update: Old as it runs, New as it is sent.
type Pair struct {
	// Name is unique within a generation: kind/mutation/index.
	Name string
	// Kind is the object's kind (Pod, Deployment, ...).
	Kind string
	// Mutation names the change from Old to New.
	Mutation string
	// Field is the field path (field.Path syntax) the mutation changes.
	Field string
	// Allowed is the verdict Kubernetes 1.37's update validation gives, as podlint
	// reads the source: true when the API server accepts the update.
	Allowed bool
	// Old and New are single-document YAML manifests.
	Old, New []byte
}

// Options choose how many pairs to generate.
type Options struct {
	Seed int64
	// Pods is the number of Pod pairs.
	Pods int
	// Workloads is the number of pairs spread over Deployment, ReplicaSet,
	// DaemonSet, StatefulSet, Job, CronJob and ReplicationController.
	Workloads int
}

// Generate returns opts.Pods Pod pairs followed by opts.Workloads workload pairs.
// Mutations are drawn in turn, so every mutation of a kind appears once before
// any appears twice; the objects they apply to are random.
func Generate(opts Options) ([]Pair, error) {
	r := rand.New(rand.NewPCG(uint64(opts.Seed), uint64(opts.Seed)^0x9e3779b97f4a7c15))
	var out []Pair
	for i := 0; i < opts.Pods; i++ {
		m := podMutations[i%len(podMutations)]
		p, err := makePair(r, "Pod", i, m, newPod)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	kinds := workloadKinds()
	for i := 0; i < opts.Workloads; i++ {
		k := kinds[i%len(kinds)]
		m := k.mutations[(i/len(kinds))%len(k.mutations)]
		p, err := makePair(r, k.kind, i, m, k.build)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// mutation changes one field of an object built for it. prepare, when set, shapes
// the old object first (a gated Pod, a suspended Job) so the mutation applies.
type mutation struct {
	name    string
	field   string
	allowed bool
	prepare func(r *rand.Rand, obj any)
	mutate  func(r *rand.Rand, obj any)
}

// Mutations lists the mutation names of every kind, for coverage reports.
func Mutations() map[string][]string {
	out := map[string][]string{}
	for _, m := range podMutations {
		out["Pod"] = append(out["Pod"], m.name)
	}
	for _, k := range workloadKinds() {
		for _, m := range k.mutations {
			out[k.kind] = append(out[k.kind], m.name)
		}
	}
	return out
}

func makePair(r *rand.Rand, kind string, i int, m mutation, build func(r *rand.Rand, name string) any) (Pair, error) {
	name := fmt.Sprintf("u%04d", i)
	old := build(r, name)
	if m.prepare != nil {
		m.prepare(r, old)
	}
	oldYAML, err := toYAML(old)
	if err != nil {
		return Pair{}, err
	}
	// Mutate a copy made through the same serialization the oracle reads.
	nw := reflect.New(reflect.TypeOf(old).Elem()).Interface()
	if err := fromJSONOf(old, nw); err != nil {
		return Pair{}, err
	}
	m.mutate(r, nw)
	newYAML, err := toYAML(nw)
	if err != nil {
		return Pair{}, err
	}
	return Pair{Name: fmt.Sprintf("%s/%s/%04d", kind, m.name, i), Kind: kind, Mutation: m.name, Field: m.field,
		Allowed: m.allowed, Old: oldYAML, New: newYAML}, nil
}

func fromJSONOf(src, dst any) error {
	data, err := json.Marshal(src)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, dst)
}

// toYAML renders a typed object as YAML without the nulls (creationTimestamp)
// and the empty status that Go's encoding of k8s.io/api types adds.
func toYAML(obj any) ([]byte, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(dropNulls(m)); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

func dropNulls(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if x == nil {
				delete(t, k)
				continue
			}
			t[k] = dropNulls(x)
		}
	case []any:
		for i := range t {
			t[i] = dropNulls(t[i])
		}
	}
	return v
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

func ptr[T any](v T) *T { return &v }

// WriteFiles writes each pair as dir/<Name>.old.yaml and dir/<Name>.new.yaml
// (Name's slashes make directories), for oracles that drive kubectl or podlint
// diff on files.
func WriteFiles(dir string, pairs []Pair) error {
	for _, p := range pairs {
		base := filepath.Join(dir, filepath.FromSlash(p.Name))
		if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(base+".old.yaml", p.Old, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(base+".new.yaml", p.New, 0o644); err != nil {
			return err
		}
	}
	return nil
}
