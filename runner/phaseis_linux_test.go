//go:build linux && cgo

package runner

import v1 "k8s.io/api/core/v1"

// phaseIs is the sandbox tests' condition on the Pod's phase. (The runtime
// seam's merge dropped it from main_linux_test.go; remove this file once the
// seam's own definition lands.)
func phaseIs(ph v1.PodPhase) func(v1.PodStatus) bool {
	return func(st v1.PodStatus) bool { return st.Phase == ph }
}
