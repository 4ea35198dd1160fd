package image

import "testing"

func TestNormalizeReference(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "busybox", want: "docker.io/library/busybox:latest"},
		{in: "busybox:1.35", want: "docker.io/library/busybox:1.35"},
		{in: "library/busybox", want: "docker.io/library/busybox:latest"},
		{in: "index.docker.io/busybox", want: "docker.io/library/busybox:latest"},
		{in: "bitnami/nginx:1.25", want: "docker.io/bitnami/nginx:1.25"},
		{in: "localhost/podlint/busybox:1.35", want: "localhost/podlint/busybox:1.35"},
		{in: "localhost:5000/app", want: "localhost:5000/app:latest"},
		{in: "registry.k8s.io/pause:3.10", want: "registry.k8s.io/pause:3.10"},
		{in: "127.0.0.1:5000/a/b", want: "127.0.0.1:5000/a/b:latest"},
		{in: "busybox@sha256:" + sha64, want: "docker.io/library/busybox@sha256:" + sha64},
		{in: "busybox:1@sha256:" + sha64, want: "docker.io/library/busybox:1@sha256:" + sha64},
		{in: "Busybox", wantErr: true},
		{in: "example.com/Foo", wantErr: true},
		{in: "", wantErr: true},
		{in: "busybox:", wantErr: true},
		{in: "busybox@sha256:abc", wantErr: true},
		{in: "a//b", wantErr: true},
		{in: "-a", wantErr: true},
	}
	for _, tt := range tests {
		got, err := NormalizeReference(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("NormalizeReference(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

const sha64 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
