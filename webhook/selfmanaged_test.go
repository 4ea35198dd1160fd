package webhook

import (
	"context"
	"crypto/x509"
	"net"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// These tests drive Reconcile with a fake clientset and a fake clock, to walk
// through months of rotations in milliseconds. The same code runs against a
// real kube-apiserver in the cluster test (make cluster-test).

const testNS, testSecret, testVWC = "podlint", "podlint-certs", "podlint"

type rotationEnv struct {
	t      *testing.T
	client *fake.Clientset
	now    time.Time
	m      *CertManager
}

func newRotationEnv(t *testing.T) *rotationEnv {
	t.Helper()
	e := &rotationEnv{t: t, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	e.client = fake.NewClientset(&admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: testVWC},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{
			{Name: "pods.podlint.io"}, {Name: "workloads.podlint.io"},
		},
	})
	m, err := NewCertManager(SelfManagedConfig{
		Client: e.client, Namespace: testNS, SecretName: testSecret, WebhookConfigName: testVWC,
		DNSNames: []string{"podlint.podlint.svc"}, IPs: []net.IP{net.ParseIP("127.0.0.1")},
		CAValidity: 90 * 24 * time.Hour, CertValidity: 3 * 24 * time.Hour, Propagation: 2 * time.Minute,
		Now: func() time.Time { return e.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	e.m = m
	return e
}

func (e *rotationEnv) reconcile() time.Duration {
	e.t.Helper()
	next, err := e.m.Reconcile(context.Background())
	if err != nil {
		e.t.Fatalf("Reconcile at %s: %v", e.now, err)
	}
	return next
}

func (e *rotationEnv) secret() *certState {
	e.t.Helper()
	sec, err := e.client.CoreV1().Secrets(testNS).Get(context.Background(), testSecret, metav1.GetOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	if sec.Type != corev1.SecretTypeTLS {
		e.t.Errorf("Secret type %q, want %q", sec.Type, corev1.SecretTypeTLS)
	}
	st, err := parseCertState(sec)
	if err != nil {
		e.t.Fatalf("the Secret does not parse: %v", err)
	}
	if st.serving == nil {
		e.t.Fatal("the Secret has no usable serving certificate")
	}
	return st
}

// registered returns the caBundle of every webhook, which must all be equal.
func (e *rotationEnv) registered() []*x509.Certificate {
	e.t.Helper()
	vwc, err := e.client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(context.Background(), testVWC, metav1.GetOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	first := string(vwc.Webhooks[0].ClientConfig.CABundle)
	for _, w := range vwc.Webhooks[1:] {
		if string(w.ClientConfig.CABundle) != first {
			e.t.Fatalf("webhook %s has another caBundle than %s", w.Name, vwc.Webhooks[0].Name)
		}
	}
	certs, err := parseCerts([]byte(first))
	if err != nil {
		e.t.Fatalf("registered caBundle: %v", err)
	}
	return certs
}

// assertServable checks what the API server would check in a TLS handshake
// to 127.0.0.1: the Secret's serving certificate verifies against the
// registered caBundle at the current time.
func (e *rotationEnv) assertServable() {
	e.t.Helper()
	st := e.secret()
	roots := x509.NewCertPool()
	for _, ca := range e.registered() {
		roots.AddCert(ca)
	}
	if _, err := st.serving.cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: e.now, DNSName: "127.0.0.1"}); err != nil {
		e.t.Fatalf("at %s the serving certificate does not verify against the registered caBundle: %v", e.now, err)
	}
}

func TestSelfManagedBootstrapAndIdempotence(t *testing.T) {
	e := newRotationEnv(t)
	// Nothing pending but the serving certificate's renewal, at two thirds
	// of its 3 days (counted from its backdated NotBefore).
	if next, want := e.reconcile(), 2*24*time.Hour; next != want {
		t.Errorf("after bootstrap the next step is in %s, want %s", next, want)
	}
	e.assertServable()
	st := e.secret()
	if len(st.bundle) != 1 || !st.bundle[0].IsCA || !signedBy(st.serving.cert, st.bundle[0]) {
		t.Fatalf("want one CA that signs the serving certificate, got %d CAs", len(st.bundle))
	}
	if got := st.serving.cert.DNSNames; len(got) != 1 || got[0] != "podlint.podlint.svc" {
		t.Errorf("DNS names %v", got)
	}

	// Nothing due: nothing written.
	e.client.ClearActions()
	e.now = e.now.Add(time.Hour)
	e.reconcile()
	for _, a := range e.client.Actions() {
		if a.GetVerb() != "get" {
			t.Errorf("an idle reconcile did %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
}

// TestSelfManagedShortValidities: certificates valid for seconds (as in the
// cluster test) are not due for renewal when issued, although podlint
// backdates them by minutes for clock skew.
func TestSelfManagedShortValidities(t *testing.T) {
	e := newRotationEnv(t)
	e.m.cfg.CAValidity, e.m.cfg.CertValidity, e.m.cfg.Propagation = 90*time.Second, 15*time.Second, 3*time.Second
	next := e.reconcile()
	if next != 10*time.Second {
		t.Errorf("next step in %s, want the serving renewal in 10s", next)
	}
	first := e.secret()
	e.now = e.now.Add(5 * time.Second)
	e.reconcile()
	if st := e.secret(); st.serving.cert.SerialNumber.Cmp(first.serving.cert.SerialNumber) != 0 || len(st.bundle) != 1 {
		t.Fatal("a 15 s certificate was renewed after 5 s")
	}
	e.now = e.now.Add(6 * time.Second)
	e.reconcile()
	if st := e.secret(); st.serving.cert.SerialNumber.Cmp(first.serving.cert.SerialNumber) == 0 {
		t.Fatal("a 15 s certificate was not renewed after 11 s")
	}
	e.assertServable()
}

func TestSelfManagedServingRenewalKeepsCA(t *testing.T) {
	e := newRotationEnv(t)
	e.reconcile()
	before := e.secret()
	e.now = e.now.Add(2*24*time.Hour + time.Hour) // past two thirds of 3 days
	e.reconcile()
	after := e.secret()
	if after.serving.cert.SerialNumber.Cmp(before.serving.cert.SerialNumber) == 0 {
		t.Fatal("the serving certificate was not renewed at two thirds of its life")
	}
	if !after.bundle[0].Equal(before.bundle[0]) || len(after.bundle) != 1 {
		t.Error("renewing the serving certificate changed the CA bundle")
	}
	e.assertServable()
}

// TestSelfManagedCARotation walks a CA rotation step by step: the new CA is
// trusted first, signs only after Propagation, and the old CA leaves the bundle
// only Propagation after the last certificate it signed was replaced. At every
// step the served certificate verifies against the registered bundle, which is
// what "no failed request during a rotation" needs.
func TestSelfManagedCARotation(t *testing.T) {
	e := newRotationEnv(t)
	e.reconcile()
	old := e.secret().bundle[0]

	// Keep the serving certificate renewed, as the leader would, until the CA
	// reaches two thirds of its life (60 of 90 days).
	for e.now.Before(old.NotBefore.Add(60 * 24 * time.Hour)) {
		e.now = e.now.Add(24 * time.Hour)
		e.reconcile()
		e.assertServable()
	}
	st := e.secret()
	if len(st.bundle) != 2 || !st.bundle[1].Equal(old) {
		t.Fatalf("want the new CA added before the old one, got %d CAs", len(st.bundle))
	}
	if len(e.registered()) != 2 {
		t.Fatal("the caBundle does not hold both CAs during the rotation")
	}
	if !signedBy(st.serving.cert, old) {
		t.Fatal("the new CA signed before the API servers could trust it")
	}
	next := e.reconcile()
	if next <= 0 || next > 2*time.Minute {
		t.Fatalf("want a step pending within the propagation time, got %s", next)
	}

	e.now = e.now.Add(next)
	e.reconcile()
	e.assertServable()
	st = e.secret()
	if !signedBy(st.serving.cert, st.bundle[0]) || len(st.bundle) != 2 {
		t.Fatalf("after propagation want a certificate signed by the new CA and both CAs trusted (got %d)", len(st.bundle))
	}

	e.now = e.now.Add(time.Minute)
	e.reconcile()
	if len(e.secret().bundle) != 2 {
		t.Fatal("the old CA left the bundle before replicas could reload")
	}
	e.now = e.now.Add(time.Minute + time.Second)
	e.reconcile()
	e.assertServable()
	if st := e.secret(); len(st.bundle) != 1 || st.bundle[0].Equal(old) {
		t.Fatalf("the old CA is still trusted after the rotation (%d CAs)", len(st.bundle))
	}
	if len(e.registered()) != 1 {
		t.Fatal("the registered caBundle still holds the old CA")
	}
}

func TestSelfManagedRepairs(t *testing.T) {
	e := newRotationEnv(t)
	e.reconcile()
	ctx := context.Background()
	secrets := e.client.CoreV1().Secrets(testNS)

	// A serving certificate for other names is reissued at once.
	e.m.cfg.DNSNames = []string{"podlint.other.svc"}
	e.reconcile()
	if got := e.secret().serving.cert.DNSNames; got[0] != "podlint.other.svc" {
		t.Fatalf("names not updated: %v", got)
	}
	e.assertServable()

	// A Secret someone broke gets a new CA and certificate.
	sec, _ := secrets.Get(ctx, testSecret, metav1.GetOptions{})
	sec.Data[SecretCAKeyKey] = []byte("garbage")
	if _, err := secrets.Update(ctx, sec, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.reconcile()
	e.assertServable()

	// A caBundle someone cleared (helm upgrade with an empty one) is rewritten.
	vwcs := e.client.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	vwc, _ := vwcs.Get(ctx, testVWC, metav1.GetOptions{})
	vwc.Webhooks[1].ClientConfig.CABundle = nil
	if _, err := vwcs.Update(ctx, vwc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.reconcile()
	e.assertServable()

	// An expired serving certificate (the leader was gone for days) is replaced.
	e.now = e.now.Add(4 * 24 * time.Hour)
	e.reconcile()
	e.assertServable()
}

func TestSelfManagedConfigErrors(t *testing.T) {
	cases := map[string]SelfManagedConfig{
		"no client": {Namespace: "a", SecretName: "b", WebhookConfigName: "c", DNSNames: []string{"d"}},
		"no names":  {Client: fake.NewClientset(), Namespace: "a", SecretName: "b", WebhookConfigName: "c"},
		"no vwc":    {Client: fake.NewClientset(), Namespace: "a", SecretName: "b", DNSNames: []string{"d"}},
		"cert outlives CA": {Client: fake.NewClientset(), Namespace: "a", SecretName: "b", WebhookConfigName: "c",
			DNSNames: []string{"d"}, CertValidity: 48 * time.Hour, CAValidity: 24 * time.Hour},
	}
	for name, cfg := range cases {
		if _, err := NewCertManager(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSelfManagedMissingWebhookConfiguration(t *testing.T) {
	m, err := NewCertManager(SelfManagedConfig{
		Client: fake.NewClientset(), Namespace: testNS, SecretName: testSecret,
		WebhookConfigName: "absent", DNSNames: []string{"x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Reconcile(context.Background()); err == nil {
		t.Fatal("want an error naming the missing ValidatingWebhookConfiguration")
	}
}

// TestSelfManagedLeaderPace runs the real election and loop: the leader
// reconciles once at the start and then waits CheckInterval when nothing is
// pending, instead of polling the API.
func TestSelfManagedLeaderPace(t *testing.T) {
	e := newRotationEnv(t)
	e.m.cfg.Now = time.Now
	e.m.cfg.CheckInterval = time.Hour
	e.m.cfg.Identity = "only"
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	e.m.Run(ctx)
	reconciles := 0
	for _, a := range e.client.Actions() {
		if a.GetVerb() == "get" && a.GetResource().Resource == "validatingwebhookconfigurations" {
			reconciles++
		}
	}
	if reconciles != 1 {
		t.Errorf("%d reconciles in 2.5 s with nothing pending, want 1", reconciles)
	}
	e.now = time.Now()
	e.assertServable()
}
