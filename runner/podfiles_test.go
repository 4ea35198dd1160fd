package runner

import (
	"errors"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodHostnameAndDomain(t *testing.T) {
	long := strings.Repeat("a", 62) + "-.b"
	for _, tc := range []struct {
		name                 string
		pod                  v1.Pod
		hostname, domain, kn string
		err                  string
	}{
		{name: "pod name", pod: pod("web", v1.PodSpec{}), hostname: "web", kn: "web"},
		{name: "spec.hostname", pod: pod("web", v1.PodSpec{Hostname: "db-0"}), hostname: "db-0", kn: "db-0"},
		{name: "subdomain", pod: pod("web", v1.PodSpec{Hostname: "db-0", Subdomain: "db"}),
			hostname: "db-0", domain: "db.team.svc.cluster.local", kn: "db-0"},
		{name: "setHostnameAsFQDN", pod: pod("web", v1.PodSpec{Hostname: "db-0", Subdomain: "db", SetHostnameAsFQDN: ptrTo(true)}),
			hostname: "db-0", domain: "db.team.svc.cluster.local", kn: "db-0.db.team.svc.cluster.local"},
		{name: "FQDN without subdomain is the hostname", pod: pod("web", v1.PodSpec{SetHostnameAsFQDN: ptrTo(true)}), hostname: "web", kn: "web"},
		// 63 characters, then the trailing "-" of the cut removed.
		{name: "long pod name truncated", pod: pod(long, v1.PodSpec{}), hostname: strings.Repeat("a", 62), kn: strings.Repeat("a", 62)},
		{name: "hostnameOverride wins and drops the domain", pod: pod("web", v1.PodSpec{Hostname: "db-0", Subdomain: "db", HostnameOverride: ptrTo("node.example.com")}),
			hostname: "node.example.com", kn: "node.example.com"},
		{name: "invalid hostnameOverride", pod: pod("web", v1.PodSpec{HostnameOverride: ptrTo("Bad_Name")}), err: "not a valid DNS subdomain"},
		{name: "FQDN too long", pod: pod("web", v1.PodSpec{Hostname: strings.Repeat("h", 40), Subdomain: "sub", SetHostnameAsFQDN: ptrTo(true)}),
			hostname: strings.Repeat("h", 40), domain: "sub.team.svc.cluster.local", err: "FQDN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, d, err := podHostnameAndDomain(&tc.pod, "cluster.local")
			var kn string
			if err == nil {
				kn, err = kernelHostname(h, d, tc.pod.Spec.SetHostnameAsFQDN)
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || h != tc.hostname || d != tc.domain || kn != tc.kn {
				t.Errorf("got %q %q %q %v, want %q %q %q", h, d, kn, err, tc.hostname, tc.domain, tc.kn)
			}
		})
	}
}

func TestManagedHosts(t *testing.T) {
	head := "# Kubernetes-managed hosts file.\n" +
		"127.0.0.1\tlocalhost\n" +
		"::1\tlocalhost ip6-localhost ip6-loopback\n" +
		"fe00::0\tip6-localnet\n" +
		"fe00::0\tip6-mcastprefix\n" +
		"fe00::1\tip6-allnodes\n" +
		"fe00::2\tip6-allrouters\n"
	if got := string(managedHosts([]string{"10.0.0.5"}, "web", "", nil)); got != head+"10.0.0.5\tweb\n" {
		t.Errorf("plain:\n%s", got)
	}
	got := string(managedHosts([]string{"10.0.0.5", "fd00::5"}, "db-0", "db.team.svc.cluster.local", []v1.HostAlias{
		{IP: "10.1.2.3", Hostnames: []string{"foo.local", "bar.local"}},
		{IP: "10.1.2.4", Hostnames: []string{"baz"}},
	}))
	want := head +
		"10.0.0.5\tdb-0.db.team.svc.cluster.local\tdb-0\n" +
		"fd00::5\tdb-0.db.team.svc.cluster.local\tdb-0\n" +
		"\n# Entries added by HostAliases.\n" +
		"10.1.2.3\tfoo.local\tbar.local\n" +
		"10.1.2.4\tbaz\n"
	if got != want {
		t.Errorf("with subdomain and aliases:\n%s\nwant:\n%s", got, want)
	}
}

func TestPodDNS(t *testing.T) {
	host, err := parseResolvConf(strings.NewReader("# managed\nnameserver 192.168.1.1\nnameserver 192.168.1.2\nsearch old.example\nsearch corp.example. lab.example\noptions timeout:2 rotate\n"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(host.Searches, " ") != "corp.example lab.example" || len(host.Servers) != 2 || strings.Join(host.Options, " ") != "timeout:2 rotate" {
		t.Fatalf("parsed %+v", host)
	}
	dns := DNS{ClusterDNS: []string{"10.96.0.10"}, ClusterDomain: "cluster.local"}
	for _, tc := range []struct {
		name   string
		spec   v1.PodSpec
		dns    DNS
		host   *resolverConfig
		want   string
		events []string
	}{
		{name: "ClusterFirst", spec: v1.PodSpec{DNSPolicy: v1.DNSClusterFirst}, dns: dns, host: &host,
			want: "search team.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 10.96.0.10\noptions ndots:5\n"},
		{name: "empty policy is ClusterFirst", dns: dns,
			want: "search team.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"},
		{name: "Default", spec: v1.PodSpec{DNSPolicy: v1.DNSDefault}, dns: dns, host: &host,
			want: "search corp.example lab.example\nnameserver 192.168.1.1\nnameserver 192.168.1.2\noptions timeout:2 rotate\n"},
		{name: "Default without a host resolv.conf", spec: v1.PodSpec{DNSPolicy: v1.DNSDefault}, dns: dns,
			want: "search .\nnameserver 127.0.0.1\n"},
		{name: "ClusterFirst without cluster DNS falls back", spec: v1.PodSpec{DNSPolicy: v1.DNSClusterFirst}, host: &host,
			want:   "search corp.example lab.example\nnameserver 192.168.1.1\nnameserver 192.168.1.2\noptions timeout:2 rotate\n",
			events: []string{"MissingClusterDNS"}},
		{name: "None with dnsConfig", dns: dns, host: &host, spec: v1.PodSpec{DNSPolicy: v1.DNSNone, DNSConfig: &v1.PodDNSConfig{
			Nameservers: []string{"1.1.1.1"}, Searches: []string{"a.example"}, Options: []v1.PodDNSConfigOption{{Name: "ndots", Value: ptrTo("2")}, {Name: "edns0"}}}},
			want: "search a.example\nnameserver 1.1.1.1\noptions ndots:2 edns0\n"},
		{name: "ClusterFirst merged with dnsConfig", dns: dns, spec: v1.PodSpec{DNSPolicy: v1.DNSClusterFirst, DNSConfig: &v1.PodDNSConfig{
			Nameservers: []string{"10.96.0.10", "8.8.8.8"}, Searches: []string{"svc.cluster.local", "x.example"},
			Options: []v1.PodDNSConfigOption{{Name: "ndots", Value: ptrTo("1")}, {Name: "single-request-reopen"}}}},
			want: "search team.svc.cluster.local svc.cluster.local cluster.local x.example\nnameserver 10.96.0.10\nnameserver 8.8.8.8\noptions ndots:1 single-request-reopen\n"},
		{name: "more than three nameservers", dns: dns, spec: v1.PodSpec{DNSPolicy: v1.DNSClusterFirst, DNSConfig: &v1.PodDNSConfig{
			Nameservers: []string{"1.1.1.1", "2.2.2.2", "3.3.3.3"}}},
			want:   "search team.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\nnameserver 1.1.1.1\nnameserver 2.2.2.2\noptions ndots:5\n",
			events: []string{"DNSConfigForming"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pod("web", tc.spec)
			cfg, events := podDNS(&p, tc.dns, tc.host)
			got, _ := resolvConf(cfg)
			if string(got) != tc.want {
				t.Errorf("resolv.conf:\n%s\nwant:\n%s", got, tc.want)
			}
			var reasons []string
			for _, e := range events {
				reasons = append(reasons, e.Reason)
			}
			if strings.Join(reasons, ",") != strings.Join(tc.events, ",") {
				t.Errorf("events %v, want %v", events, tc.events)
			}
		})
	}
}

func TestBuildSandboxFilesRefusesAnFQDNTooLong(t *testing.T) {
	p := pod("web", v1.PodSpec{Hostname: strings.Repeat("h", 40), Subdomain: "sub", SetHostnameAsFQDN: ptrTo(true)})
	_, err := buildSandboxFiles(&p, DefaultDNS(), []string{"127.0.0.1"}, nil, nil)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "too long") {
		t.Errorf("err = %v, want a refusal", err)
	}
}

func TestFitSearches(t *testing.T) {
	var many []string
	for i := 0; i < 40; i++ {
		many = append(many, strings.Repeat("d", 60)+".example")
	}
	got, cut := fitSearches(many)
	if !cut || len(strings.Join(got, " ")) > maxDNSSearchListChars || len(got) > maxDNSSearchPaths {
		t.Errorf("kept %d paths (%d characters), cut=%v", len(got), len(strings.Join(got, " ")), cut)
	}
	// 32 paths of 69 characters make a 2239-character line: the last ones go.
	if len(got) != 29 {
		t.Errorf("kept %d paths, want 29", len(got))
	}
	got, cut = fitSearches([]string{"ok.example", strings.Repeat("x", 254)})
	if !cut || len(got) != 1 || got[0] != "ok.example" {
		t.Errorf("over-long path kept: %v", got)
	}
}

func pod(name string, spec v1.PodSpec) v1.Pod {
	return v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "team"}, Spec: spec}
}

func ptrTo[T any](v T) *T { return &v }
