//go:build linux && cgo

package runner

import (
	"reflect"
	"testing"

	"github.com/opencontainers/runc/libcontainer/specconv"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// TestBaseSpecIsRuncRootless keeps baseSpec equal to what it is written
// after: runc's example spec made rootless, less what depends on the host
// and what every caller replaces (namespaces, id mappings, hostname).
func TestBaseSpecIsRuncRootless(t *testing.T) {
	want := specconv.Example()
	specconv.ToRootless(want)
	want.Root = &specs.Root{Path: "/root", Readonly: true}
	want.Process.Terminal = false
	want.Process.Env = []string{"PATH=" + defaultPath}
	caps := append([]string(nil), defaultCapabilities...)
	want.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
	want.Linux.Resources = nil
	want.Hostname = ""
	want.Linux.Namespaces = nil
	want.Linux.UIDMappings, want.Linux.GIDMappings = nil, nil
	if got := baseSpec("/root"); !reflect.DeepEqual(got, want) {
		t.Errorf("baseSpec differs from runc's rootless example:\n got %+v\nwant %+v", got, want)
	}
}
