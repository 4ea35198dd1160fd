package runner

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"time"

	v1 "k8s.io/api/core/v1"
)

// Options configure Start.
type Options struct {
	// Images resolves container images to root filesystems; a source that
	// is also a Puller (or the first one in a ChainImages) is pulled
	// through as each container's imagePullPolicy asks.
	Images Images
	// StateDir holds Pod state directories; empty means
	// DefaultStateDir().
	StateDir string
	// BackOffScale multiplies the kubelet's crash-loop back-off times (10 s
	// doubling to 5 min, reset after 10 min) so tests can observe them
	// quickly; 0 means 1.
	BackOffScale float64
	// EnvSources are the ConfigMaps and Secrets in the Pod's namespace that
	// env valueFrom and envFrom may use.
	EnvSources EnvSources
	// Warn receives warnings meant for the user (limits not enforced).
	Warn func(string)
	// DNS is the node's DNS configuration (the kubelet's --cluster-dns,
	// --cluster-domain and --resolv-conf); nil means DefaultDNS().
	DNS *DNS
}

// Event is a Kubernetes event the kubelet would have recorded.
type Event struct {
	Time      time.Time `json:"time"`
	Type      string    `json:"type"`
	Reason    string    `json:"reason"`
	Container string    `json:"container,omitempty"`
	Message   string    `json:"message"`
}

// Snapshot is the Pod status at one moment.
type Snapshot struct {
	Time   time.Time    `json:"time"`
	Status v1.PodStatus `json:"status"`
}

// DefaultStateDir is where Pod state lives when Options.StateDir is empty.
func DefaultStateDir() string {
	if os.Geteuid() == 0 {
		// Container root is another user then and must traverse the path:
		// /run is world-searchable, root's XDG_RUNTIME_DIR is not.
		return "/run/podlint"
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "podlint")
	}
	return filepath.Join(os.TempDir(), "podlint-"+strconv.Itoa(os.Getuid()))
}

// ErrNoSubordinateIDs is returned by Start for a Pod whose containers run as
// ids other than root (runAsUser, runAsGroup, supplementalGroups, fsGroup, the
// image's USER) when the invoking user has no subordinate id range podlint can
// map (/etc/subuid, /etc/subgid, newuidmap and newgidmap), or ids beyond it.
var ErrNoSubordinateIDs = errors.New("no subordinate id range")

// ErrUnsupported is returned by Start on builds without the sandbox.
var ErrUnsupported = errors.New("podlint run needs Linux and cgo (this podlint was built without them)")
