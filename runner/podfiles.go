package runner

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// The files a Pod's containers find in /etc that the kubelet and the
// container runtime write for them, and the hostname they are built from.
// Every function here is pure: the sandbox writes what they return.

// DNS is the node's DNS configuration, the kubelet's --cluster-dns,
// --cluster-domain and --resolv-conf.
type DNS struct {
	// ClusterDNS lists the cluster DNS servers' addresses. Empty makes
	// ClusterFirst fall back to Default, as in the kubelet.
	ClusterDNS []string
	// ClusterDomain is the cluster's DNS domain ("cluster.local").
	ClusterDomain string
	// ResolvConf is the host resolver configuration Default Pods inherit
	// and ClusterFirst Pods take search paths from; empty means none.
	ResolvConf string
}

// The usual values (kubeadm's, and the API's documented examples): the
// kubelet itself has no default for either.
const (
	DefaultClusterDNS    = "10.96.0.10"
	DefaultClusterDomain = "cluster.local"
	DefaultResolvConf    = "/etc/resolv.conf"
)

// hostnameMaxLen is the kubelet's cap on a Pod's hostname: a Linux nodename
// has room for 64 bytes including the terminating NUL in the kubelet's
// reading of it (truncatePodHostnameIfNeeded).
const hostnameMaxLen = 63

// fqdnMaxLen is the longest setHostnameAsFQDN nodename
// (util.GetNodenameForKernel).
const fqdnMaxLen = 64

// truncateHostname is the kubelet's truncatePodHostnameIfNeeded: at most 63
// characters, without a trailing '-' or '.'.
func truncateHostname(podName, hostname string) (string, error) {
	if len(hostname) <= hostnameMaxLen {
		return hostname, nil
	}
	truncated := strings.TrimRight(hostname[:hostnameMaxLen], "-.")
	if truncated == "" {
		return "", fmt.Errorf("hostname for pod %q was invalid: %q", podName, hostname)
	}
	return truncated, nil
}

// podHostnameAndDomain is the kubelet's GeneratePodHostNameAndDomain (1.37,
// where HostnameOverride is GA): hostnameOverride wins and has no domain;
// else spec.hostname or the Pod's name, truncated; the domain is
// <subdomain>.<namespace>.svc.<cluster domain> with a subdomain.
func podHostnameAndDomain(pod *v1.Pod, clusterDomain string) (hostname, domain string, err error) {
	if o := pod.Spec.HostnameOverride; o != nil {
		if msgs := validation.IsDNS1123Subdomain(*o); len(msgs) != 0 {
			return "", "", fmt.Errorf("pod HostnameOverride %q is not a valid DNS subdomain: %s", *o, strings.Join(msgs, ";"))
		}
		h, err := truncateHostname(pod.Name, *o)
		return h, "", err
	}
	hostname = pod.Name
	if h := pod.Spec.Hostname; h != "" {
		if msgs := validation.IsDNS1123Label(h); len(msgs) != 0 {
			return "", "", fmt.Errorf("pod Hostname %q is not a valid DNS label: %s", h, strings.Join(msgs, ";"))
		}
		hostname = h
	}
	if hostname, err = truncateHostname(pod.Name, hostname); err != nil {
		return "", "", err
	}
	if sd := pod.Spec.Subdomain; sd != "" {
		if msgs := validation.IsDNS1123Label(sd); len(msgs) != 0 {
			return "", "", fmt.Errorf("pod Subdomain %q is not a valid DNS label: %s", sd, strings.Join(msgs, ";"))
		}
		domain = fmt.Sprintf("%s.%s.svc.%s", sd, pod.Namespace, clusterDomain)
	}
	return hostname, domain, nil
}

// kernelHostname is the kubelet's util.GetNodenameForKernel: the UTS
// hostname, the FQDN with setHostnameAsFQDN and a domain.
func kernelHostname(hostname, domain string, asFQDN *bool) (string, error) {
	if domain == "" || asFQDN == nil || !*asFQDN {
		return hostname, nil
	}
	fqdn := hostname + "." + domain
	if len(fqdn) > fqdnMaxLen {
		return "", fmt.Errorf("failed to construct FQDN from pod hostname and cluster domain, FQDN %s is too long (%d characters is the max, %d characters requested)", fqdn, fqdnMaxLen, len(fqdn))
	}
	return fqdn, nil
}

// managedHosts is the kubelet's managedHostsFileContent: the /etc/hosts of
// a Pod on the Pod network.
func managedHosts(podIPs []string, hostname, domain string, aliases []v1.HostAlias) []byte {
	var b bytes.Buffer
	b.WriteString("# Kubernetes-managed hosts file.\n")
	b.WriteString("127.0.0.1\tlocalhost\n")
	b.WriteString("::1\tlocalhost ip6-localhost ip6-loopback\n")
	b.WriteString("fe00::0\tip6-localnet\n")
	b.WriteString("fe00::0\tip6-mcastprefix\n")
	b.WriteString("fe00::1\tip6-allnodes\n")
	b.WriteString("fe00::2\tip6-allrouters\n")
	for _, ip := range podIPs {
		if domain != "" {
			fmt.Fprintf(&b, "%s\t%s.%s\t%s\n", ip, hostname, domain, hostname)
		} else {
			fmt.Fprintf(&b, "%s\t%s\n", ip, hostname)
		}
	}
	if len(aliases) > 0 {
		b.WriteString("\n# Entries added by HostAliases.\n")
		for _, a := range aliases {
			fmt.Fprintf(&b, "%s\t%s\n", a.IP, strings.Join(a.Hostnames, "\t"))
		}
	}
	return b.Bytes()
}

// dnsEvent is a warning the kubelet records while it builds a Pod's DNS
// configuration (MissingClusterDNS, DNSConfigForming).
type dnsEvent struct{ Reason, Message string }

// resolverConfig is the DNS part of a CRI sandbox configuration.
type resolverConfig struct {
	Servers, Searches, Options []string
}

// The limits the API and the kubelet apply (ExpandedDNSConfig is GA).
const (
	maxDNSNameservers     = 3
	maxDNSSearchPaths     = 32
	maxDNSSearchListChars = 2048
)

// parseResolvConf is the kubelet's parseResolvConf: nameservers accumulate,
// the last search and options lines win, search domains lose a trailing dot.
func parseResolvConf(r io.Reader) (resolverConfig, error) {
	cfg := resolverConfig{Servers: []string{}, Searches: []string{}, Options: []string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 10<<20)
	var errs []string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if len(f) >= 2 {
				cfg.Servers = append(cfg.Servers, f[1])
			} else {
				errs = append(errs, "nameserver list is empty ")
			}
		case "search":
			cfg.Searches = []string{}
			for _, s := range f[1:] {
				cfg.Searches = append(cfg.Searches, strings.TrimSuffix(s, "."))
			}
		case "options":
			cfg.Options = f[1:]
		}
	}
	if err := sc.Err(); err != nil {
		return cfg, err
	}
	if len(errs) > 0 {
		return cfg, fmt.Errorf("%s", strings.Join(errs, ", "))
	}
	return cfg, nil
}

func omitDuplicates(list []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// podDNS is the kubelet's Configurer.GetPodDNS for a Pod off the host
// network: the base configuration its dnsPolicy gives, dnsConfig appended,
// then cut to the limits. host is the node's parsed resolv.conf (nil when
// there is none).
func podDNS(pod *v1.Pod, dns DNS, host *resolverConfig) (resolverConfig, []dnsEvent) {
	var events []dnsEvent
	cfg := resolverConfig{}
	if host != nil {
		cfg = resolverConfig{
			Servers:  append([]string(nil), host.Servers...),
			Searches: append([]string(nil), host.Searches...),
			Options:  append([]string(nil), host.Options...),
		}
	}
	switch pod.Spec.DNSPolicy {
	case v1.DNSNone:
		cfg = resolverConfig{}
	case v1.DNSDefault:
		cfg = hostResolver(cfg, host == nil)
	default: // ClusterFirst, ClusterFirstWithHostNet, and the API's default
		if len(dns.ClusterDNS) == 0 {
			msg := fmt.Sprintf("kubelet does not have ClusterDNS IP configured and cannot create Pod using %q policy. Falling back to %q policy.", v1.DNSClusterFirst, v1.DNSDefault)
			events = append(events, dnsEvent{"MissingClusterDNS", fmt.Sprintf("pod: %q. %s", pod.Name+"_"+pod.Namespace+"("+string(pod.UID)+")", msg)})
			cfg = hostResolver(cfg, host == nil)
			break
		}
		cfg.Servers = append([]string{}, dns.ClusterDNS...)
		if dns.ClusterDomain != "" {
			cluster := []string{pod.Namespace + ".svc." + dns.ClusterDomain, "svc." + dns.ClusterDomain, dns.ClusterDomain}
			cfg.Searches = omitDuplicates(append(cluster, cfg.Searches...))
		}
		cfg.Options = []string{"ndots:5"}
	}
	if dc := pod.Spec.DNSConfig; dc != nil {
		cfg.Servers = omitDuplicates(append(cfg.Servers, dc.Nameservers...))
		cfg.Searches = omitDuplicates(append(cfg.Searches, dc.Searches...))
		cfg.Options = mergeDNSOptions(cfg.Options, dc.Options)
	}
	if len(cfg.Servers) > maxDNSNameservers {
		cfg.Servers = cfg.Servers[:maxDNSNameservers]
		events = append(events, dnsEvent{"DNSConfigForming", "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: " + strings.Join(cfg.Servers, " ")})
	}
	var cut bool
	if cfg.Searches, cut = fitSearches(cfg.Searches); cut {
		events = append(events, dnsEvent{"DNSConfigForming", "Search Line limits were exceeded, some search paths have been omitted, the applied search line is: " + strings.Join(cfg.Searches, " ")})
	}
	return cfg, events
}

// hostResolver is the Default policy's base: the host's configuration, or
// without a resolv.conf (--resolv-conf="") a local nameserver and no search.
func hostResolver(cfg resolverConfig, none bool) resolverConfig {
	if none {
		// The node's IP is IPv4 here (podIP).
		return resolverConfig{Servers: []string{"127.0.0.1"}, Searches: []string{"."}}
	}
	return cfg
}

// mergeDNSOptions is the kubelet's mergeDNSOptions: dnsConfig options
// override the base ones of the same name. The kubelet goes through a map,
// so its order is unspecified; here the base order is kept and new names
// follow in the order given.
func mergeDNSOptions(base []string, extra []v1.PodDNSConfigOption) []string {
	var names []string
	vals := map[string]string{}
	set := func(name, val string) {
		if _, ok := vals[name]; !ok {
			names = append(names, name)
		}
		vals[name] = val
	}
	for _, op := range base {
		name, val, _ := strings.Cut(op, ":")
		set(name, val)
	}
	for _, op := range extra {
		val := ""
		if op.Value != nil {
			val = *op.Value
		}
		set(op.Name, val)
	}
	out := []string{}
	for _, n := range names {
		if vals[n] != "" {
			out = append(out, n+":"+vals[n])
		} else {
			out = append(out, n)
		}
	}
	return out
}

// fitSearches is the kubelet's formDNSSearchFitsLimits: at most 32 paths,
// none longer than 253 characters, and a search line of at most 2048.
func fitSearches(s []string) ([]string, bool) {
	cut := false
	if len(s) > maxDNSSearchPaths {
		s, cut = s[:maxDNSSearchPaths], true
	}
	kept := s[:0:0]
	for _, d := range s {
		if len(d) > validation.DNS1123SubdomainMaxLength {
			cut = true
			continue
		}
		kept = append(kept, d)
	}
	s = kept
	if n := len(strings.Join(s, " ")); n > maxDNSSearchListChars {
		cutLen, cutNum := 0, 0
		for i := len(s) - 1; i >= 0; i-- {
			cutLen += len(s[i]) + 1
			cutNum++
			if n-cutLen <= maxDNSSearchListChars {
				break
			}
		}
		s, cut = s[:len(s)-cutNum], true
	}
	return s, cut
}

// resolvConf is the sandbox's /etc/resolv.conf as the container runtime
// writes it from the CRI DNS configuration (containerd's parseDNSOptions:
// search, nameserver and options lines); ok is false when the configuration
// is empty, where the runtime copies the host's file instead.
func resolvConf(cfg resolverConfig) (content []byte, ok bool) {
	var b bytes.Buffer
	if len(cfg.Searches) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(cfg.Searches, " "))
	}
	for _, s := range cfg.Servers {
		fmt.Fprintf(&b, "nameserver %s\n", s)
	}
	if len(cfg.Options) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(cfg.Options, " "))
	}
	return b.Bytes(), b.Len() > 0
}

// sandboxFiles is what the kubelet and the runtime give a Pod's sandbox:
// its UTS hostname (also /etc/hostname and HOSTNAME), the kubelet-managed
// /etc/hosts and the runtime's /etc/resolv.conf.
type sandboxFiles struct {
	Hostname   string
	Hosts      []byte
	ResolvConf []byte
	// Events are the warnings recorded while building them.
	Events []dnsEvent
}

// buildSandboxFiles computes a Pod's sandbox files as the kubelet's
// generatePodSandboxConfig and makeHostsMount do, with podIPs as its IPs.
// hostResolv is the node's resolv.conf (nil: none); runtimeResolv is the
// file the runtime copies when the DNS configuration is empty.
func buildSandboxFiles(pod *v1.Pod, dns DNS, podIPs []string, hostResolv, runtimeResolv []byte) (sandboxFiles, error) {
	// A hostname the kubelet cannot build fails the sandbox's creation,
	// every time: the Pod never starts.
	hostname, domain, err := podHostnameAndDomain(pod, dns.ClusterDomain)
	if err != nil {
		return sandboxFiles{}, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	kernel, err := kernelHostname(hostname, domain, pod.Spec.SetHostnameAsFQDN)
	if err != nil {
		return sandboxFiles{}, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	var host *resolverConfig
	if hostResolv != nil {
		h, err := parseResolvConf(bytes.NewReader(hostResolv))
		if err != nil {
			return sandboxFiles{}, fmt.Errorf("resolv.conf: %w", err)
		}
		host = &h
	}
	cfg, events := podDNS(pod, dns, host)
	resolv, ok := resolvConf(cfg)
	if !ok {
		resolv = runtimeResolv
	}
	return sandboxFiles{
		Hostname:   kernel,
		Hosts:      managedHosts(podIPs, hostname, domain, pod.Spec.HostAliases),
		ResolvConf: resolv,
		Events:     events,
	}, nil
}

// DefaultDNS is the DNS configuration Options.DNS nil stands for.
func DefaultDNS() DNS {
	return DNS{ClusterDNS: []string{DefaultClusterDNS}, ClusterDomain: DefaultClusterDomain, ResolvConf: DefaultResolvConf}
}

// loadSandboxFiles reads the node's resolver configuration and builds the
// Pod's sandbox files (nil dns: DefaultDNS).
func loadSandboxFiles(pod *v1.Pod, dns *DNS) (sandboxFiles, error) {
	d := DefaultDNS()
	if dns != nil {
		d = *dns
	}
	var host []byte
	if d.ResolvConf != "" {
		b, err := os.ReadFile(d.ResolvConf)
		switch {
		case err == nil:
			host = b
		case dns == nil && errors.Is(err, os.ErrNotExist):
			// A host without /etc/resolv.conf and no DNS asked for: none.
		default:
			// The kubelet cannot build the sandbox's configuration either.
			return sandboxFiles{}, fmt.Errorf("resolver configuration: %w", err)
		}
	}
	// What containerd copies when the configuration comes out empty.
	runtime, _ := os.ReadFile(DefaultResolvConf)
	return buildSandboxFiles(pod, d, []string{podIP}, host, runtime)
}

// readOnlyRoot reports securityContext.readOnlyRootFilesystem.
func readOnlyRoot(c *v1.Container) bool {
	sc := c.SecurityContext
	return sc != nil && sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem
}
