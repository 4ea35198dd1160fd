package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// maxPEMBytes bounds the certificate, key and CA files read on every poll.
const maxPEMBytes = 1 << 20

// certSource yields the serving certificate and key, and the CA bundle the API
// server is configured with (nil when unknown, then the chain is not checked).
type certSource interface {
	load(ctx context.Context) (certPEM, keyPEM, caPEM []byte, err error)
	// String names the source in messages ("tls.crt and tls.key", "Secret ns/name").
	String() string
}

// fileSource reads PEM files. It polls rather than watches: Secret volumes are
// updated by swapping a symlink, which file watches miss unless they watch the
// directory, and a poll of two small files every few seconds costs nothing.
type fileSource struct{ certFile, keyFile, caFile string }

func (f fileSource) load(context.Context) (certPEM, keyPEM, caPEM []byte, err error) {
	certPEM, err1 := readBounded(f.certFile)
	keyPEM, err2 := readBounded(f.keyFile)
	if err := errors.Join(err1, err2); err != nil {
		return nil, nil, nil, err
	}
	if f.caFile != "" {
		if caPEM, err = readBounded(f.caFile); err != nil {
			return nil, nil, nil, fmt.Errorf("reading the CA bundle: %w", err)
		}
		if len(caPEM) == 0 {
			caPEM = []byte{} // present but empty: checked, and fails
		}
	}
	return certPEM, keyPEM, caPEM, nil
}

func (f fileSource) String() string {
	s := fmt.Sprintf("%s and key %s", f.certFile, f.keyFile)
	if f.caFile != "" {
		s += fmt.Sprintf(" (CA bundle %s)", f.caFile)
	}
	return s
}

// certReloader serves the certificate of its source and reloads it when it
// changes.
type certReloader struct {
	source  certSource
	metrics *Metrics

	mu       sync.RWMutex
	cert     *tls.Certificate
	leaf     *x509.Certificate
	certPEM  []byte
	keyPEM   []byte
	loadErr  error // the last load failed (the previous certificate, if any, is still served)
	chainErr error // the served certificate does not chain to the CA bundle
}

func newCertReloader(ctx context.Context, source certSource, m *Metrics) *certReloader {
	c := &certReloader{source: source, metrics: m}
	c.reload(ctx)
	return c
}

// reload loads the source and, when it changed, parses and swaps the
// certificate. A failed load keeps the previous certificate: serving a valid
// certificate beats serving none while a rotation is half written.
func (c *certReloader) reload(ctx context.Context) {
	certPEM, keyPEM, caPEM, err := c.source.load(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.loadErr = fmt.Errorf("reading the serving certificate from %s: %w", c.source, err)
		return
	}
	if c.cert == nil || !bytes.Equal(certPEM, c.certPEM) || !bytes.Equal(keyPEM, c.keyPEM) {
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			c.loadErr = fmt.Errorf("loading the serving certificate from %s: %w", c.source, err)
			return
		}
		c.cert, c.leaf, c.certPEM, c.keyPEM = &cert, cert.Leaf, certPEM, keyPEM
		c.metrics.certificate(c.leaf)
	}
	c.loadErr = nil
	c.chainErr = c.verifyChain(caPEM)
}

// verifyChain checks that the served certificate chains to the CA bundle the
// API server is configured with (the ValidatingWebhookConfiguration's
// caBundle): a mismatch means every call from the API server fails its TLS
// handshake, so the replica is not ready. It also catches an expired certificate.
func (c *certReloader) verifyChain(caPEM []byte) error {
	now := time.Now()
	if now.After(c.leaf.NotAfter) {
		return fmt.Errorf("the serving certificate expired at %s", c.leaf.NotAfter.Format(time.RFC3339))
	}
	if caPEM == nil {
		return nil
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("the CA bundle of %s holds no PEM certificate", c.source)
	}
	inter := x509.NewCertPool()
	for _, der := range c.cert.Certificate[1:] {
		if ic, err := x509.ParseCertificate(der); err == nil {
			inter.AddCert(ic)
		}
	}
	_, err := c.leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err != nil {
		return fmt.Errorf("the serving certificate does not chain to the CA bundle of %s: %w", c.source, err)
	}
	return nil
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPEMBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxPEMBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxPEMBytes)
	}
	return data, nil
}

// run polls every interval until ctx ends.
func (c *certReloader) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.reload(ctx)
		}
	}
}

// GetCertificate serves the current certificate to TLS handshakes.
func (c *certReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.cert == nil {
		return nil, c.loadErr
	}
	return c.cert, nil
}

// ready returns why the certificate is not fit to serve, or nil.
func (c *certReloader) ready() error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.loadErr != nil {
		return c.loadErr
	}
	return c.chainErr
}
