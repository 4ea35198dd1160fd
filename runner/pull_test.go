package runner

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

// TestPullPolicyDefault checks the API server's imagePullPolicy defaulting.
func TestPullPolicyDefault(t *testing.T) {
	for _, tc := range []struct {
		image  string
		policy v1.PullPolicy
		want   v1.PullPolicy
	}{
		{image: "busybox", want: v1.PullAlways},
		{image: "busybox:latest", want: v1.PullAlways},
		{image: "busybox:1.36", want: v1.PullIfNotPresent},
		{image: "localhost:5000/app", want: v1.PullAlways},
		{image: "localhost:5000/app:v2", want: v1.PullIfNotPresent},
		{image: "busybox@sha256:" + sha, want: v1.PullIfNotPresent},
		{image: "busybox:latest@sha256:" + sha, want: v1.PullAlways},
		{image: "busybox", policy: v1.PullNever, want: v1.PullNever},
	} {
		c := &v1.Container{Image: tc.image, ImagePullPolicy: tc.policy}
		if got := pullPolicy(c); got != tc.want {
			t.Errorf("%s (%q): %s, want %s", tc.image, tc.policy, got, tc.want)
		}
	}
}

const sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
