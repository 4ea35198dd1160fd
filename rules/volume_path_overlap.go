package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var volumePathOverlap = &lint.Rule{
	ID:       "volume-path-overlap",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "Two keys of one volume are written to the same or nested paths",
	Doc: "The items of a configMap, secret or downwardAPI volume, and all sources of a projected volume, write files into one directory. " +
		"Two items with the same path overwrite each other (the container sees only one), and a path inside another (conf and conf/extra) " +
		"cannot exist as both a file and a directory, so the kubelet fails to set up the volume. The API server accepts such a volume with " +
		"a warning. A projected volume source with nothing in it is warned about as well.",
	Remediation: "Give every item of the volume its own path, none of them inside another.",
	Fields:      []string{"volumes[*].configMap.items", "volumes[*].secret.items", "volumes[*].downwardAPI.items", "volumes[*].projected.sources"},
	Check: func(p *lint.Pass) {
		for i := range p.Object.PodSpec.Volumes {
			v := &p.Object.PodSpec.Volumes[i]
			vp := p.Object.PodSpecPath.Child("volumes").Index(i)
			var o overlapCheck
			switch {
			case v.ConfigMap != nil:
				o.keyToPaths(v.ConfigMap.Items, vp.Child("configMap", "items"))
			case v.Secret != nil:
				o.keyToPaths(v.Secret.Items, vp.Child("secret", "items"))
			case v.DownwardAPI != nil:
				o.downward(v.DownwardAPI.Items, vp.Child("downwardAPI", "items"))
			case v.Projected != nil:
				for k, s := range v.Projected.Sources {
					sp := vp.Child("projected", "sources").Index(k)
					switch {
					case s == (corev1.VolumeProjection{}):
						p.Report(sp, "", nil, fmt.Sprintf("projected volume %q has a source with nothing in it", v.Name), "")
					case s.ConfigMap != nil:
						o.keyToPaths(s.ConfigMap.Items, sp.Child("configMap", "items"))
					case s.Secret != nil:
						o.keyToPaths(s.Secret.Items, sp.Child("secret", "items"))
					case s.DownwardAPI != nil:
						o.downward(s.DownwardAPI.Items, sp.Child("downwardAPI", "items"))
					case s.ServiceAccountToken != nil:
						o.add(s.ServiceAccountToken.Path, sp.Child("serviceAccountToken", "path"))
					case s.ClusterTrustBundle != nil:
						o.add(s.ClusterTrustBundle.Path, sp.Child("clusterTrustBundle", "path"))
					case s.PodCertificate != nil:
						pc := s.PodCertificate
						o.add(pc.CertificateChainPath, sp.Child("podCertificate", "certificateChainPath"))
						o.add(pc.KeyPath, sp.Child("podCertificate", "keyPath"))
						o.add(pc.CredentialBundlePath, sp.Child("podCertificate", "credentialBundlePath"))
					}
				}
			}
			for _, c := range o.clashes {
				p.Report(c.at, "", c.path, fmt.Sprintf("volume %q writes %q, which %s %q written by %s", v.Name, c.path, c.how, c.other, c.otherAt), "")
			}
		}
	},
}

// overlapCheck collects the paths one volume writes and the clashes among them,
// the way the API server's warning compares them: trailing slashes removed, and a
// path clashes with an equal one or one it contains or is contained in.
type overlapCheck struct {
	seen    []writtenPath
	clashes []pathClash
}

type writtenPath struct {
	path string
	at   *field.Path
}

type pathClash struct {
	path, other, how string
	at               *field.Path
	otherAt          string
}

func (o *overlapCheck) add(path string, at *field.Path) {
	path = strings.TrimRight(path, "/")
	if path == "" {
		return
	}
	for _, s := range o.seen {
		how := ""
		switch {
		case s.path == path:
			how = "overwrites"
		case strings.HasPrefix(s.path+"/", path+"/"):
			how = "contains"
		case strings.HasPrefix(path+"/", s.path+"/"):
			how = "lies inside"
		}
		if how != "" {
			o.clashes = append(o.clashes, pathClash{path: path, other: s.path, how: how, at: at, otherAt: s.at.String()})
		}
	}
	o.seen = append(o.seen, writtenPath{path, at})
}

func (o *overlapCheck) keyToPaths(items []corev1.KeyToPath, ip *field.Path) {
	for j, it := range items {
		o.add(it.Path, ip.Index(j).Child("path"))
	}
}

func (o *overlapCheck) downward(items []corev1.DownwardAPIVolumeFile, ip *field.Path) {
	for j, it := range items {
		o.add(it.Path, ip.Index(j).Child("path"))
	}
}
