package image

import (
	"fmt"
	"regexp"
	"strings"
)

// The grammar of github.com/distribution/reference, which Docker, containerd
// and the kubelet share; copied as regular expressions rather than imported
// to keep podlint's dependencies small.
var (
	componentRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$`)
	domainRE    = regexp.MustCompile(`^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$`)
	tagRE       = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	digestRE    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$`)
)

const (
	defaultDomain = "docker.io"
	officialRepo  = "library/"
	// maxNameLength is distribution/reference's NameTotalLengthMax.
	maxNameLength = 255
)

// NormalizeReference returns ref in the fully qualified form Docker and the
// kubelet use: "busybox" becomes "docker.io/library/busybox:latest",
// "example.com/app" becomes "example.com/app:latest", and a reference with a
// domain ("localhost/podlint/busybox:1.35") keeps it. A reference with a
// digest keeps the digest and gets no default tag.
func NormalizeReference(ref string) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("invalid image reference: empty")
	}
	name, tag, dgst := ref, "", ""
	if i := strings.LastIndex(name, "@"); i >= 0 {
		name, dgst = name[:i], name[i+1:]
		if !digestRE.MatchString(dgst) {
			return "", fmt.Errorf("invalid image reference %q: bad digest %q", ref, dgst)
		}
	}
	if i := strings.LastIndex(name, ":"); i >= 0 && !strings.Contains(name[i:], "/") {
		name, tag = name[:i], name[i+1:]
		if !tagRE.MatchString(tag) {
			return "", fmt.Errorf("invalid image reference %q: bad tag %q", ref, tag)
		}
	}
	domain, path := splitDomain(name)
	if domain == "" || path == "" {
		return "", fmt.Errorf("invalid image reference %q: no repository name", ref)
	}
	if !domainRE.MatchString(domain) {
		return "", fmt.Errorf("invalid image reference %q: bad registry host %q", ref, domain)
	}
	if strings.ToLower(path) != path {
		return "", fmt.Errorf("invalid image reference %q: repository name must be lowercase", ref)
	}
	for _, c := range strings.Split(path, "/") {
		if !componentRE.MatchString(c) {
			return "", fmt.Errorf("invalid image reference %q: bad path component %q", ref, c)
		}
	}
	full := domain + "/" + path
	if len(full) > maxNameLength {
		return "", fmt.Errorf("invalid image reference %q: name longer than %d characters", ref, maxNameLength)
	}
	if tag == "" && dgst == "" {
		tag = "latest"
	}
	if tag != "" {
		full += ":" + tag
	}
	if dgst != "" {
		full += "@" + dgst
	}
	return full, nil
}

// splitDomain mirrors distribution/reference's splitDockerDomain: the first
// component is a registry host only if it looks like one (has a dot or a
// port, or is "localhost"); otherwise the image is on Docker Hub, where
// single-component names live under "library/".
func splitDomain(name string) (domain, path string) {
	i := strings.IndexRune(name, '/')
	if i == -1 || (!strings.ContainsAny(name[:i], ".:") && name[:i] != "localhost" && strings.ToLower(name[:i]) == name[:i]) {
		domain, path = defaultDomain, name
	} else {
		domain, path = name[:i], name[i+1:]
	}
	if domain == "index.docker.io" {
		domain = defaultDomain
	}
	if domain == defaultDomain && !strings.ContainsRune(path, '/') {
		path = officialRepo + path
	}
	return domain, path
}
