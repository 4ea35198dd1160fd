package rules

import (
	"fmt"
	"net/netip"

	netutils "k8s.io/utils/net"

	"github.com/podlint/podlint/lint"
)

var podListEntries = &lint.Rule{
	ID:       "pod-list-entries",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "imagePullSecrets, hostAliases and DNS nameservers entries should be unique and well-formed",
	Doc: "The API server accepts, with a warning, an imagePullSecrets entry without a name or naming the same Secret twice, two hostAliases " +
		"entries for the same IP (the kubelet writes two /etc/hosts lines, and which one a lookup finds depends on the resolver), and IP " +
		"addresses in a non-standard form: IPv4 with leading zeros (010.0.0.1, which some resolvers read as octal), IPv4-mapped IPv6, or " +
		"IPv6 that is not in RFC 5952 form. These are slips that keep working by accident or point somewhere else than intended.",
	Remediation: "Remove the repeated or empty entry, merge hostnames of one IP into one hostAliases entry, and write IPs in their standard form.",
	Fields:      []string{"imagePullSecrets[*].name", "hostAliases[*].ip", "dnsConfig.nameservers[*]"},
	Check: func(p *lint.Pass) {
		spec := p.Object.PodSpec
		sp := p.Object.PodSpecPath
		seen := map[string]bool{}
		for i, s := range spec.ImagePullSecrets {
			np := sp.Child("imagePullSecrets").Index(i).Child("name")
			switch {
			case s.Name == "":
				p.Report(np, "", nil, "imagePullSecrets entry has no name: it refers to no Secret", "")
			case seen[s.Name]:
				p.Report(np, "", s.Name, fmt.Sprintf("imagePullSecrets names Secret %q twice", s.Name), "")
			}
			seen[s.Name] = true
		}
		ips := map[string]bool{}
		for i, h := range spec.HostAliases {
			ip := sp.Child("hostAliases").Index(i).Child("ip")
			if ips[h.IP] {
				p.Report(ip, "", h.IP, fmt.Sprintf("hostAliases has a second entry for IP %s: put all its hostnames in one entry", h.IP), "")
			}
			ips[h.IP] = true
			if msg := nonStandardIP(h.IP); msg != "" {
				p.Report(ip, "", h.IP, msg, "")
			}
		}
		if spec.DNSConfig != nil {
			for i, ns := range spec.DNSConfig.Nameservers {
				if msg := nonStandardIP(ns); msg != "" {
					p.Report(sp.Child("dnsConfig", "nameservers").Index(i), "", ns, msg, "")
				}
			}
		}
	},
}

// nonStandardIP says what is wrong with an IP address the API server accepts for
// compatibility but warns about; "" for a standard one or a value that is no IP
// (validation reports that).
func nonStandardIP(s string) string {
	ip := netutils.ParseIPSloppy(s) // octets with leading zeros read as decimal, as the API server does
	if ip == nil {
		return ""
	}
	addr, err := netip.ParseAddr(s)
	if err != nil || addr.Is4In6() {
		return fmt.Sprintf("IP address %q is in a non-standard form; write %q", s, ip.String())
	}
	if addr.Is6() && addr.String() != s {
		return fmt.Sprintf("IPv6 address %q is not in RFC 5952 canonical form (%q)", s, addr.String())
	}
	return ""
}
