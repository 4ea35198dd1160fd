package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/podlint/podlint/webhook"
)

// selfManagedFlags are the flags of self-managed webhook certificates.
type selfManagedFlags struct {
	secret       string
	configName   string
	leaseName    string
	dnsNames     []string
	ips          []string
	kubeconfig   string
	certValidity time.Duration
	caValidity   time.Duration
	propagation  time.Duration
}

func (f *selfManagedFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.secret, "cert-secret", "", "NAMESPACE/NAME of the Secret in which podlint keeps self-managed certificates (instead of --tls-cert-file)")
	fl.StringVar(&f.configName, "webhook-config-name", "", "ValidatingWebhookConfiguration whose caBundle self-managed certificates keep up to date")
	fl.StringVar(&f.leaseName, "cert-lease", "", "Lease electing the replica that manages certificates (default: the Secret's name, in its namespace)")
	fl.StringArrayVar(&f.dnsNames, "cert-dns-name", nil, "DNS name of the self-managed serving certificate, e.g. podlint.podlint.svc (repeatable)")
	fl.StringArrayVar(&f.ips, "cert-ip-address", nil, "IP address of the self-managed serving certificate (repeatable)")
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig for self-managed certificates (default: $KUBECONFIG, else the in-cluster service account)")
	fl.DurationVar(&f.certValidity, "cert-validity", webhook.DefaultCertValidity, "validity of a self-managed serving certificate (renewed at two thirds)")
	fl.DurationVar(&f.caValidity, "ca-validity", webhook.DefaultCAValidity, "validity of a self-managed CA (renewed at two thirds)")
	fl.DurationVar(&f.propagation, "cert-propagation", webhook.DefaultPropagation, "how long a new CA is trusted before it signs, and an old one kept after, so that API servers and replicas catch up")
}

// config returns the self-managed configuration, or nil when --cert-secret is unset.
func (f *selfManagedFlags) config(log *slog.Logger) (*webhook.SelfManagedConfig, error) {
	if f.secret == "" {
		if f.configName != "" || len(f.dnsNames) > 0 || len(f.ips) > 0 {
			return nil, errors.New("--webhook-config-name, --cert-dns-name and --cert-ip-address need --cert-secret")
		}
		return nil, nil
	}
	ns, name, ok := strings.Cut(f.secret, "/")
	if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("--cert-secret %q: want NAMESPACE/NAME", f.secret)
	}
	if f.configName == "" {
		return nil, errors.New("--cert-secret needs --webhook-config-name: the ValidatingWebhookConfiguration that must trust the CA")
	}
	var ips []net.IP
	for _, s := range f.ips {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, fmt.Errorf("--cert-ip-address %q is not an IP address", s)
		}
		ips = append(ips, ip)
	}
	kubeconfig := f.kubeconfig
	if kubeconfig == "" {
		kubeconfig = os.Getenv("KUBECONFIG")
	}
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("self-managed certificates need the Kubernetes API: %w", err)
	}
	rc.UserAgent = "podlint-webhook"
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("self-managed certificates: %w", err)
	}
	// client-go's leader election logs through klog: keep every line JSON.
	klog.SetSlogLogger(log)
	host, _ := os.Hostname()
	return &webhook.SelfManagedConfig{
		Client: client, Namespace: ns, SecretName: name, LeaseName: f.leaseName,
		WebhookConfigName: f.configName, Identity: fmt.Sprintf("%s_%d", host, os.Getpid()),
		DNSNames: f.dnsNames, IPs: ips,
		CAValidity: f.caValidity, CertValidity: f.certValidity, Propagation: f.propagation,
		Logger: log,
	}, nil
}
