package webhook

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Keys of the Secret that holds the self-managed certificates. tls.crt, tls.key
// and ca.crt are those of a kubernetes.io/tls Secret, so the Secret can also be
// mounted and served with --tls-cert-file like any other.
const (
	SecretCertKey   = corev1.TLSCertKey
	SecretKeyKey    = corev1.TLSPrivateKeyKey
	SecretCAKey     = "ca.crt" // every trusted CA, newest (the signer) first
	SecretCAKeyKey  = "ca.key" // the signer's private key
	annoCAAdded     = "podlint.io/ca-added-at"
	annoCertIssued  = "podlint.io/cert-issued-at"
	annoManagedBy   = "app.kubernetes.io/managed-by"
	managedByPodint = "podlint"
)

// Defaults of self-managed certificates. The serving certificate is short
// lived and renewed at two thirds of its life; the CA is renewed the same way,
// so a CA never expires unnoticed the way year-old webhook CAs do.
const (
	DefaultCAValidity    = 365 * 24 * time.Hour
	DefaultCertValidity  = 7 * 24 * time.Hour
	DefaultPropagation   = 2 * time.Minute
	DefaultCheckInterval = time.Minute
	renewAt              = 2.0 / 3.0
)

// SelfManagedConfig configures certificates that podlint creates and rotates
// itself, kept in a Secret and registered as the caBundle of a
// ValidatingWebhookConfiguration.
type SelfManagedConfig struct {
	Client            kubernetes.Interface
	Namespace         string // of the Secret and the Lease
	SecretName        string
	LeaseName         string
	WebhookConfigName string // the ValidatingWebhookConfiguration whose caBundle podlint writes
	Identity          string // this replica, in the Lease
	DNSNames          []string
	IPs               []net.IP
	CAValidity        time.Duration
	CertValidity      time.Duration
	// Propagation is how long a change must have been visible before the next
	// step relies on it: a new CA sits in the caBundle that long before it signs
	// the serving certificate (API servers must trust it first), and an old CA
	// stays that long after the serving certificate changed (every replica must
	// have reloaded). It must exceed the replicas' reload interval.
	Propagation   time.Duration
	CheckInterval time.Duration
	Logger        *slog.Logger
	Now           func() time.Time // for tests; time.Now when nil
}

func (c *SelfManagedConfig) withDefaults() SelfManagedConfig {
	d := *c
	if d.CAValidity == 0 {
		d.CAValidity = DefaultCAValidity
	}
	if d.CertValidity == 0 {
		d.CertValidity = DefaultCertValidity
	}
	if d.Propagation == 0 {
		d.Propagation = DefaultPropagation
	}
	if d.CheckInterval == 0 {
		d.CheckInterval = DefaultCheckInterval
	}
	if d.LeaseName == "" {
		d.LeaseName = d.SecretName
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return d
}

func (c *SelfManagedConfig) validate() error {
	var errs []error
	if c.Client == nil {
		errs = append(errs, errors.New("a Kubernetes client is required"))
	}
	if c.Namespace == "" || c.SecretName == "" {
		errs = append(errs, errors.New("the Secret's namespace and name are required"))
	}
	if c.WebhookConfigName == "" {
		errs = append(errs, errors.New("the ValidatingWebhookConfiguration's name is required"))
	}
	if len(c.DNSNames) == 0 && len(c.IPs) == 0 {
		errs = append(errs, errors.New("the serving certificate needs at least one DNS name or IP address"))
	}
	if c.CertValidity > 0 && c.CAValidity > 0 && c.CertValidity >= c.CAValidity {
		errs = append(errs, errors.New("the serving certificate must be valid for less time than the CA"))
	}
	return errors.Join(errs...)
}

// CertManager keeps the Secret's CA and serving certificate valid and the
// webhook configuration's caBundle in step with them. Only the replica holding
// the Lease writes; every replica reads the Secret (secretSource).
type CertManager struct {
	cfg SelfManagedConfig
}

// NewCertManager checks cfg and fills in defaults.
func NewCertManager(cfg SelfManagedConfig) (*CertManager, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("self-managed certificates: %w", err)
	}
	return &CertManager{cfg: cfg.withDefaults()}, nil
}

// Run campaigns for the Lease until ctx ends and, while leading, reconciles
// every CheckInterval. Losing the Lease (an API server outage longer than the
// renew deadline) only means campaigning again.
func (m *CertManager) Run(ctx context.Context) {
	log := m.cfg.Logger.With("lease", m.cfg.Namespace+"/"+m.cfg.LeaseName, "identity", m.cfg.Identity)
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: m.cfg.Namespace, Name: m.cfg.LeaseName},
		Client:     m.cfg.Client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: m.cfg.Identity},
	}
	for ctx.Err() == nil {
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:            lock,
			LeaseDuration:   15 * time.Second,
			RenewDeadline:   10 * time.Second,
			RetryPeriod:     2 * time.Second,
			ReleaseOnCancel: true,
			Name:            "podlint-certificates",
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(ctx context.Context) {
					log.Info("leading certificate management")
					m.lead(ctx)
				},
				OnStoppedLeading: func() { log.Info("stopped leading certificate management") },
			},
		})
		if err != nil { // only for a malformed configuration, which is fixed above
			log.Error("leader election", "error", err.Error())
			return
		}
		le.Run(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (m *CertManager) lead(ctx context.Context) {
	// A pending propagation step runs when due, not a whole CheckInterval later.
	for {
		next, err := m.Reconcile(ctx)
		if err != nil && ctx.Err() == nil {
			m.cfg.Logger.Error("certificate management", "error", err.Error())
			next = 5 * time.Second
		}
		wait := m.cfg.CheckInterval
		if next > 0 {
			wait = min(wait, max(next, time.Second))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// certState is the Secret's content, parsed.
type certState struct {
	bundle     []*x509.Certificate // newest first; bundle[0] is the signer
	signer     *keyPair
	serving    *keyPair // nil when missing or unusable
	caAdded    time.Time
	certIssued time.Time
}

// Reconcile brings the Secret and the webhook configuration to a valid state
// and returns how soon it wants to run again: a pending propagation step or the
// next renewal. It is what the leader runs; tests call it directly.
func (m *CertManager) Reconcile(ctx context.Context) (time.Duration, error) {
	now := m.cfg.Now()
	secrets := m.cfg.Client.CoreV1().Secrets(m.cfg.Namespace)
	sec, err := secrets.Get(ctx, m.cfg.SecretName, metav1.GetOptions{})
	create := apierrors.IsNotFound(err)
	if err != nil && !create {
		return 0, fmt.Errorf("reading Secret %s/%s: %w", m.cfg.Namespace, m.cfg.SecretName, err)
	}
	var st *certState
	if !create {
		if st, err = parseCertState(sec); err != nil {
			m.cfg.Logger.Warn("the certificate Secret is unusable: creating a new CA", "secret", m.cfg.SecretName, "reason", err.Error())
			st = nil
		}
	}
	changed := false
	if st == nil {
		ca, err := newCA(now, m.cfg.CAValidity)
		if err != nil {
			return 0, err
		}
		// A fresh CA is trusted by nobody yet, so there is nothing to wait for:
		// no replica serves anything that works until the caBundle has it anyway.
		st = &certState{bundle: []*x509.Certificate{ca.cert}, signer: ca, caAdded: now.Add(-m.cfg.Propagation)}
		changed = true
	}
	pending := time.Duration(0)
	wantSoon := func(d time.Duration) {
		if d > 0 && (pending == 0 || d < pending) {
			pending = d
		}
	}

	// 1. A CA past two thirds of its life gets a successor, first only trusted.
	if dueForRenewal(st.signer.cert, now) {
		ca, err := newCA(now, m.cfg.CAValidity)
		if err != nil {
			return 0, err
		}
		st.bundle = append([]*x509.Certificate{ca.cert}, st.bundle...)
		st.signer, st.caAdded, changed = ca, now, true
		m.cfg.Logger.Info("new CA added to the bundle", "notAfter", ca.cert.NotAfter)
	}

	// 2. The serving certificate: renewed by the signer once the signer has been
	// trusted long enough, or at once when there is none that works.
	trusted := now.Sub(st.caAdded) >= m.cfg.Propagation
	s := st.serving
	usable := s != nil && now.Before(s.cert.NotAfter) && coversNames(s.cert, m.cfg.DNSNames, m.cfg.IPs) && st.trusts(s.cert)
	due := !usable || dueForRenewal(s.cert, now) || !signedBy(s.cert, st.signer.cert)
	switch {
	case due && (trusted || !usable):
		cert, err := newServingCert(st.signer, m.cfg.DNSNames, m.cfg.IPs, now, m.cfg.CertValidity)
		if err != nil {
			return 0, err
		}
		st.serving, st.certIssued, changed = cert, now, true
		m.cfg.Logger.Info("serving certificate issued", "notAfter", cert.cert.NotAfter, "dnsNames", m.cfg.DNSNames)
	case due:
		wantSoon(m.cfg.Propagation - now.Sub(st.caAdded))
	}

	// 3. Older CAs leave the bundle once nothing served depends on them.
	kept := st.bundle[:1]
	for _, ca := range st.bundle[1:] {
		switch {
		case now.After(ca.NotAfter):
			changed = true
		case signedBy(st.serving.cert, ca):
			kept = append(kept, ca)
		case now.Sub(st.certIssued) < m.cfg.Propagation:
			// Replicas may still serve what this CA signed.
			kept = append(kept, ca)
			wantSoon(m.cfg.Propagation - now.Sub(st.certIssued))
		default:
			changed = true
			m.cfg.Logger.Info("old CA removed from the bundle", "notAfter", ca.NotAfter)
		}
	}
	st.bundle = kept
	// The next renewals, so the leader wakes for them rather than at the next
	// CheckInterval (which is only an upper bound, for repairs).
	wantSoon(renewalTime(st.serving.cert).Sub(now))
	wantSoon(renewalTime(st.signer.cert).Sub(now))

	if changed {
		if err := m.writeSecret(ctx, sec, st, create); err != nil {
			return 0, err
		}
	}
	if err := m.patchCABundle(ctx, encodeCerts(st.bundle)); err != nil {
		return 0, err
	}
	return pending, nil
}

func (st *certState) trusts(cert *x509.Certificate) bool {
	for _, ca := range st.bundle {
		if signedBy(cert, ca) {
			return true
		}
	}
	return false
}

func parseCertState(sec *corev1.Secret) (*certState, error) {
	bundle, err := parseCerts(sec.Data[SecretCAKey])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", SecretCAKey, err)
	}
	signer, err := parseKeyPair(sec.Data[SecretCAKey], sec.Data[SecretCAKeyKey])
	if err != nil {
		return nil, fmt.Errorf("%s and %s: %w", SecretCAKey, SecretCAKeyKey, err)
	}
	if !signer.cert.IsCA {
		return nil, fmt.Errorf("%s: the first certificate is not a CA", SecretCAKey)
	}
	st := &certState{bundle: bundle, signer: signer}
	st.caAdded, _ = time.Parse(time.RFC3339, sec.Annotations[annoCAAdded])
	st.certIssued, _ = time.Parse(time.RFC3339, sec.Annotations[annoCertIssued])
	if kp, err := parseKeyPair(sec.Data[SecretCertKey], sec.Data[SecretKeyKey]); err == nil {
		st.serving = kp
	}
	return st, nil
}

func (m *CertManager) writeSecret(ctx context.Context, old *corev1.Secret, st *certState, create bool) error {
	sec := &corev1.Secret{}
	if !create {
		sec = old.DeepCopy()
	}
	sec.Name, sec.Namespace, sec.Type = m.cfg.SecretName, m.cfg.Namespace, corev1.SecretTypeTLS
	if sec.Labels == nil {
		sec.Labels = map[string]string{}
	}
	sec.Labels[annoManagedBy] = managedByPodint
	if sec.Annotations == nil {
		sec.Annotations = map[string]string{}
	}
	sec.Annotations[annoCAAdded] = st.caAdded.UTC().Format(time.RFC3339)
	sec.Annotations[annoCertIssued] = st.certIssued.UTC().Format(time.RFC3339)
	sec.Data = map[string][]byte{
		SecretCertKey:  st.serving.certPEM,
		SecretKeyKey:   st.serving.keyPEM,
		SecretCAKey:    encodeCerts(st.bundle),
		SecretCAKeyKey: st.signer.keyPEM,
	}
	secrets := m.cfg.Client.CoreV1().Secrets(m.cfg.Namespace)
	var err error
	if create {
		_, err = secrets.Create(ctx, sec, metav1.CreateOptions{})
	} else {
		// The resourceVersion read above makes this a compare-and-swap: a
		// replica that lost the Lease without noticing cannot overwrite.
		_, err = secrets.Update(ctx, sec, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("writing Secret %s/%s: %w", m.cfg.Namespace, m.cfg.SecretName, err)
	}
	return nil
}

// patchCABundle writes bundle into every webhook of the configuration.
func (m *CertManager) patchCABundle(ctx context.Context, bundle []byte) error {
	vwcs := m.cfg.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	vwc, err := vwcs.Get(ctx, m.cfg.WebhookConfigName, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading ValidatingWebhookConfiguration %s: %w", m.cfg.WebhookConfigName, err)
	}
	changed := false
	for i := range vwc.Webhooks {
		if !bytes.Equal(vwc.Webhooks[i].ClientConfig.CABundle, bundle) {
			vwc.Webhooks[i].ClientConfig.CABundle = bundle
			changed = true
		}
	}
	if !changed {
		return nil
	}
	if _, err := vwcs.Update(ctx, vwc, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("writing the caBundle of ValidatingWebhookConfiguration %s: %w", m.cfg.WebhookConfigName, err)
	}
	m.cfg.Logger.Info("caBundle updated", "validatingWebhookConfiguration", m.cfg.WebhookConfigName)
	return nil
}

// secretSource is how every replica, leader or not, reads the self-managed
// certificate: straight from the API, so a rotation reaches all replicas
// within one reload interval, without waiting for the kubelet to refresh a
// Secret volume. The CA bundle is the one registered in the webhook
// configuration, the one the API server really uses.
type secretSource struct{ cfg *SelfManagedConfig }

func (s secretSource) load(ctx context.Context) (certPEM, keyPEM, caPEM []byte, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sec, err := s.cfg.Client.CoreV1().Secrets(s.cfg.Namespace).Get(ctx, s.cfg.SecretName, metav1.GetOptions{})
	if err != nil {
		return nil, nil, nil, err
	}
	vwc, err := s.cfg.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, s.cfg.WebhookConfigName, metav1.GetOptions{})
	if err != nil {
		return nil, nil, nil, err
	}
	caPEM = []byte{}
	if len(vwc.Webhooks) > 0 && vwc.Webhooks[0].ClientConfig.CABundle != nil {
		caPEM = vwc.Webhooks[0].ClientConfig.CABundle
	}
	return sec.Data[SecretCertKey], sec.Data[SecretKeyKey], caPEM, nil
}

func (s secretSource) String() string {
	return fmt.Sprintf("Secret %s/%s (CA bundle of ValidatingWebhookConfiguration %s)", s.cfg.Namespace, s.cfg.SecretName, s.cfg.WebhookConfigName)
}
