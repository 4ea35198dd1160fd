// Command corpusgen writes the benchmark corpus: realistic Kubernetes manifests,
// reproducible from a seed.
//
//	go run ./bench/corpusgen -n 5000 -seed 1 -o .bench/corpus-5000
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/podlint/podlint/bench"
)

func main() {
	n := flag.Int("n", 5000, "number of manifests (objects) to write")
	seed := flag.Uint64("seed", 1, "random seed; the same seed writes the same corpus")
	out := flag.String("o", "", "output directory (must not exist or be empty)")
	flag.Parse()
	if *out == "" || *n <= 0 {
		fmt.Fprintln(os.Stderr, "usage: corpusgen -n N [-seed S] -o DIR")
		os.Exit(2)
	}
	if entries, err := os.ReadDir(*out); err == nil && len(entries) > 0 {
		fmt.Fprintf(os.Stderr, "corpusgen: %s is not empty\n", *out)
		os.Exit(2)
	}
	st, err := bench.Generate(*out, bench.Options{Objects: *n, Seed: *seed})
	if err != nil {
		fmt.Fprintf(os.Stderr, "corpusgen: %v\n", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(st)
}
