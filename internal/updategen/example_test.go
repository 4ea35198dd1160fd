package updategen_test

import (
	"fmt"

	"github.com/podlint/podlint/internal/updategen"
)

// A pair as the oracle receives it: two manifests and the predicted verdict.
func ExampleGenerate() {
	pairs, err := updategen.Generate(updategen.Options{Seed: 3, Pods: 5})
	if err != nil {
		panic(err)
	}
	for _, p := range pairs {
		fmt.Println(p.Name, p.Field, "allowed:", p.Allowed)
	}
	// Output:
	// Pod/container-image/0000 spec.containers[0].image allowed: true
	// Pod/init-container-image/0001 spec.initContainers[0].image allowed: true
	// Pod/active-deadline-set/0002 spec.activeDeadlineSeconds allowed: true
	// Pod/active-deadline-lowered/0003 spec.activeDeadlineSeconds allowed: true
	// Pod/active-deadline-raised/0004 spec.activeDeadlineSeconds allowed: false
}
