package webhook_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/podlint/podlint/internal/testpki"
	"github.com/podlint/podlint/webhook"
)

// TestSelfManagedReplicas runs two real HTTPS servers with self-managed
// certificates against one (fake) API: one wins the Lease and creates the CA
// and certificate, both serve that certificate, and a client that trusts only
// the caBundle registered in the webhook configuration (as the API server
// does) reaches both. The same path runs against a real kube-apiserver in
// make cluster-test.
func TestSelfManagedReplicas(t *testing.T) {
	client := fake.NewClientset(&admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "podlint"},
		Webhooks:   []admissionregistrationv1.ValidatingWebhook{{Name: "pods.podlint.io"}},
	})
	var replicas []*running
	for _, id := range []string{"replica-a", "replica-b"} {
		replicas = append(replicas, start(t, webhook.ServerConfig{
			ReloadInterval: 20 * time.Millisecond,
			SelfManaged: &webhook.SelfManagedConfig{
				Client: client, Namespace: "podlint", SecretName: "podlint-certs", WebhookConfigName: "podlint",
				Identity: id, IPs: []net.IP{net.ParseIP("127.0.0.1")}, CheckInterval: 50 * time.Millisecond,
			},
		}, testpki.NewCA(t, "unused")))
	}
	for _, r := range replicas {
		eventually(t, "replica ready", func() bool {
			code, _ := get(t, &http.Client{}, r.metricsURL+webhook.ReadyzPath)
			return code == http.StatusOK
		})
	}

	vwc, err := client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(context.Background(), "podlint", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(vwc.Webhooks[0].ClientConfig.CABundle) {
		t.Fatal("no caBundle registered")
	}
	apiServerLike := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, r := range replicas {
		if code, body := get(t, apiServerLike, r.url+webhook.HealthzPath); code != http.StatusOK {
			t.Fatalf("%s: %d %s", r.url, code, body)
		}
	}
	lease, err := client.CoordinationV1().Leases("podlint").Get(context.Background(), "podlint-certs", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := *lease.Spec.HolderIdentity; h != "replica-a" && h != "replica-b" {
		t.Fatalf("Lease held by %q", h)
	}
}

func TestSelfManagedExcludesFiles(t *testing.T) {
	_, err := webhook.NewServer(webhook.ServerConfig{
		LoadError: context.Canceled, CertFile: "c", KeyFile: "k",
		SelfManaged: &webhook.SelfManagedConfig{Client: fake.NewClientset(), Namespace: "a", SecretName: "b", WebhookConfigName: "c", DNSNames: []string{"d"}},
	})
	if err == nil {
		t.Fatal("files and self-managed certificates accepted together")
	}
}
