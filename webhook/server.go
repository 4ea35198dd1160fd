package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Paths served by Server.
const (
	// ValidatePath receives the API server's AdmissionReview requests.
	ValidatePath = "/validate"
	// HealthzPath answers 200 while the process serves HTTP (liveness).
	HealthzPath = "/healthz"
	// ReadyzPath answers 200 only when the webhook can judge requests (readiness).
	ReadyzPath = "/readyz"
	// MetricsPath serves Prometheus metrics on the metrics listener.
	MetricsPath = "/metrics"
)

// Defaults of ServerConfig.
const (
	DefaultReloadInterval = 10 * time.Second
	// DefaultShutdownTimeout drains in-flight reviews within the Pod's default
	// 30 s termination grace period.
	DefaultShutdownTimeout = 20 * time.Second
)

// ServerConfig configures a Server.
type ServerConfig struct {
	// Handler judges the reviews; nil when the rules or policies failed to load
	// (LoadError says why): reviews are then answered 503 and /readyz fails, so
	// a bad configuration never becomes a ready replica.
	Handler   http.Handler
	LoadError error
	// CertFile and KeyFile are the PEM serving certificate (with its chain) and key.
	CertFile, KeyFile string
	// CABundleFile, when set, is the CA bundle the API server trusts: /readyz
	// fails while the served certificate does not chain to it.
	CABundleFile string
	// SelfManaged, instead of the files, has podlint create and rotate its own
	// CA and serving certificate in a Secret (see CertManager).
	SelfManaged    *SelfManagedConfig
	ReloadInterval time.Duration
	// ShutdownTimeout bounds the wait for in-flight requests on shutdown.
	ShutdownTimeout time.Duration
	// Registry is served on the metrics listener; Metrics records into it.
	Registry *prometheus.Registry
	Metrics  *Metrics
	Logger   *slog.Logger
}

// Server serves the webhook over HTTPS (TLS 1.2 or later) and its metrics,
// health and readiness over plain HTTP on a second listener.
type Server struct {
	cfg      ServerConfig
	certs    *certReloader
	manager  *CertManager // nil unless certificates are self-managed
	log      *slog.Logger
	draining atomic.Bool
}

// NewServer returns a server for cfg; it loads the certificate once (a failure
// shows in Ready, and the certificate is retried on every reload).
func NewServer(cfg ServerConfig) (*Server, error) {
	var source certSource
	var manager *CertManager
	switch {
	case cfg.SelfManaged != nil:
		if cfg.CertFile != "" || cfg.KeyFile != "" || cfg.CABundleFile != "" {
			return nil, errors.New("webhook: self-managed certificates and certificate files exclude each other")
		}
		m, err := NewCertManager(*cfg.SelfManaged)
		if err != nil {
			return nil, err
		}
		manager, source = m, secretSource{cfg: &m.cfg}
	case cfg.CertFile == "" || cfg.KeyFile == "":
		return nil, errors.New("webhook: a TLS certificate and key file are required (HTTPS only)")
	default:
		source = fileSource{certFile: cfg.CertFile, keyFile: cfg.KeyFile, caFile: cfg.CABundleFile}
	}
	if cfg.Handler == nil && cfg.LoadError == nil {
		return nil, errors.New("webhook: ServerConfig needs a Handler or a LoadError")
	}
	if cfg.ReloadInterval <= 0 {
		cfg.ReloadInterval = DefaultReloadInterval
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: log, manager: manager}
	s.certs = newCertReloader(context.Background(), source, cfg.Metrics)
	return s, nil
}

// Ready returns why the server cannot judge requests, or nil.
func (s *Server) Ready() error {
	switch {
	case s.draining.Load():
		return errors.New("shutting down")
	case s.cfg.LoadError != nil:
		return fmt.Errorf("rules or policies did not load: %w", s.cfg.LoadError)
	}
	return s.certs.ready()
}

func (s *Server) healthMux(mux *http.ServeMux) {
	mux.HandleFunc(HealthzPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc(ReadyzPath, func(w http.ResponseWriter, _ *http.Request) {
		if err := s.Ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
}

// Serve serves the webhook on ln (TLS is added here) and, when metricsLn is
// not nil, metrics, /healthz and /readyz on metricsLn, until ctx ends; then it
// stops accepting, fails /readyz, and waits up to ShutdownTimeout for
// in-flight reviews to finish.
func (s *Server) Serve(ctx context.Context, ln, metricsLn net.Listener) error {
	mux := http.NewServeMux()
	review := s.cfg.Handler
	if review == nil {
		review = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "podlint cannot judge requests: "+s.cfg.LoadError.Error(), http.StatusServiceUnavailable)
		})
	}
	mux.Handle(ValidatePath, review)
	s.healthMux(mux)
	srv := &http.Server{
		Handler: mux,
		TLSConfig: &tls.Config{
			MinVersion:     tls.VersionTLS12,
			GetCertificate: s.certs.GetCertificate,
		},
		// The API server sends one review per request and gives up after its
		// timeoutSeconds (at most 30); nothing legitimate is slower.
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      35 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	if metricsLn != nil {
		mmux := http.NewServeMux()
		if s.cfg.Registry != nil {
			mmux.Handle(MetricsPath, promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))
		}
		s.healthMux(mmux)
		msrv := &http.Server{Handler: mmux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: srv.ErrorLog}
		servers = append(servers, msrv)
		go func() { errc <- msrv.Serve(metricsLn) }()
	}
	reloadCtx, stopReload := context.WithCancel(context.Background())
	defer stopReload()
	go s.certs.run(reloadCtx, s.cfg.ReloadInterval)
	managerDone := make(chan struct{})
	if s.manager != nil {
		// Stopped only after draining, so the Lease is released last.
		go func() { defer close(managerDone); s.manager.Run(reloadCtx) }()
	} else {
		close(managerDone)
	}
	defer func() { stopReload(); <-managerDone }()
	s.log.Info("serving", "addr", ln.Addr().String(), "metricsAddr", addrOf(metricsLn))

	var err error
	select {
	case err = <-errc:
		err = fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	s.draining.Store(true)
	s.log.Info("shutting down: draining in-flight requests", "timeout", s.cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	for _, hs := range servers {
		if serr := hs.Shutdown(shutdownCtx); serr != nil {
			err = errors.Join(err, fmt.Errorf("shutting down: %w", serr))
		}
	}
	return err
}

func addrOf(ln net.Listener) string {
	if ln == nil {
		return ""
	}
	return ln.Addr().String()
}
