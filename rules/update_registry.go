package rules

import "github.com/podlint/podlint/lint"

// updates lists the rules that judge an update (an old object replaced by a new
// one), in the order they run; object-removed is reported by the engine itself.
func updates() []*lint.Rule {
	return []*lint.Rule{
		podFieldImmutable,
		podImageChange,
		workloadFieldImmutable,
		workloadRollout,
		lint.RuleObjectRemoved,
	}
}
