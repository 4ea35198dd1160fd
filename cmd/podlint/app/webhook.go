package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/webhook"
)

type webhookFlags struct {
	config          configFlags
	addr            string
	metricsAddr     string
	certFile        string
	keyFile         string
	caBundleFile    string
	selfManaged     selfManagedFlags
	reloadInterval  time.Duration
	mode            string
	ruleModes       []string
	policies        []string
	timeout         time.Duration
	maxBodyBytes    int64
	shutdownTimeout time.Duration
	logLevel        string
}

func newWebhookCommand(s Streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Run podlint as a Kubernetes validating admission webhook",
	}
	f := &webhookFlags{}
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Serve AdmissionReview requests over HTTPS",
		Long: `Serve the API server's AdmissionReview v1 requests for Pods and workloads (CREATE
and UPDATE) on ` + webhook.ValidatePath + ` over HTTPS, with the rules of podlint check, the
configuration file and Rego policies. Each finding is denied, warned about
(kubectl prints the warning) or audited (logged and counted only), by --mode and
--rule-mode; info findings are audited unless a --rule-mode names their rule.

Certificates come from files (--tls-cert-file, e.g. from cert-manager; reloaded
when they change) or are self-managed (--cert-secret): podlint then keeps a CA
and a short-lived serving certificate in that Secret, renews both at two thirds
of their life, and writes the CA bundle (old and new CA during a rotation) into
the ValidatingWebhookConfiguration named by --webhook-config-name. One replica
at a time does so, elected with a Lease; every replica reads the Secret.

/healthz and /readyz are served on both ports; /metrics on --metrics-addr.
Logs are JSON on standard error. SIGTERM drains in-flight requests.`,
		Example: `  podlint webhook serve --tls-cert-file /tls/tls.crt --tls-private-key-file /tls/tls.key \
    --mode warn --rule-mode init-container-never-exits=deny --policy /policies`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runWebhookServe(cmd, s, f) },
	}
	fl := serve.Flags()
	f.config.register(fl)
	fl.StringVar(&f.addr, "addr", ":8443", "HTTPS address of the webhook")
	fl.StringVar(&f.metricsAddr, "metrics-addr", ":9090", "plain HTTP address of /metrics, /healthz and /readyz (empty: none)")
	fl.StringVar(&f.certFile, "tls-cert-file", "", "PEM serving certificate, with its chain (required; reloaded when it changes)")
	fl.StringVar(&f.keyFile, "tls-private-key-file", "", "PEM private key of the serving certificate (required)")
	fl.StringVar(&f.caBundleFile, "ca-bundle-file", "", "CA bundle the API server trusts (the webhook configuration's caBundle): /readyz fails unless the certificate chains to it")
	f.selfManaged.register(fl)
	fl.DurationVar(&f.reloadInterval, "cert-reload-interval", webhook.DefaultReloadInterval, "how often the certificate files are checked for changes")
	fl.StringVar(&f.mode, "mode", string(webhook.DefaultMode), "what to do with warning and error findings: deny, warn or audit")
	fl.StringArrayVar(&f.ruleModes, "rule-mode", nil, "RULE-ID=MODE for one rule, overriding --mode (repeatable)")
	fl.StringArrayVar(&f.policies, "policy", nil, "directory or file of Rego policies (repeatable; adds to the configuration's policies)")
	fl.DurationVar(&f.timeout, "timeout", webhook.DefaultTimeout, "deadline of one review; keep it below the webhook configuration's timeoutSeconds")
	fl.Int64Var(&f.maxBodyBytes, "max-request-bytes", webhook.DefaultMaxBodyBytes, "largest request body accepted (413 above)")
	fl.DurationVar(&f.shutdownTimeout, "shutdown-timeout", webhook.DefaultShutdownTimeout, "how long SIGTERM waits for in-flight requests")
	fl.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	cmd.AddCommand(serve)
	return cmd
}

func runWebhookServe(cmd *cobra.Command, s Streams, f *webhookFlags) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return exitWith(ExitUsage, fmt.Errorf("--log-level: %w", err))
	}
	log := slog.New(slog.NewJSONHandler(s.Err, &slog.HandlerOptions{Level: level}))
	mode, err := webhook.ParseMode(f.mode)
	if err != nil {
		return exitWith(ExitUsage, fmt.Errorf("--mode: %w", err))
	}
	switch {
	case f.selfManaged.secret != "" && (f.certFile != "" || f.keyFile != "" || f.caBundleFile != ""):
		return exitWith(ExitUsage, errors.New("--cert-secret (self-managed certificates) and --tls-cert-file/--tls-private-key-file/--ca-bundle-file exclude each other"))
	case f.selfManaged.secret == "" && (f.certFile == "" || f.keyFile == ""):
		return exitWith(ExitUsage, errors.New("--tls-cert-file and --tls-private-key-file, or --cert-secret for self-managed certificates, are required: the API server calls webhooks over HTTPS only"))
	}
	selfManaged, err := f.selfManaged.config(log)
	if err != nil {
		return exitWith(ExitUsage, err)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, err := webhook.NewMetrics(reg)
	if err != nil {
		return exitWith(ExitInternal, err)
	}
	// A configuration or policy that does not load leaves the server up but
	// not ready, so a bad rollout never replaces working replicas.
	handler, loadErr := buildWebhookHandler(cmd, f, mode, log, metrics)
	if loadErr != nil {
		log.Error("rules or policies did not load: the webhook is not ready", "error", loadErr.Error())
	}
	srv, err := webhook.NewServer(webhook.ServerConfig{
		Handler: handler, LoadError: loadErr,
		CertFile: f.certFile, KeyFile: f.keyFile, CABundleFile: f.caBundleFile, SelfManaged: selfManaged,
		ReloadInterval: f.reloadInterval, ShutdownTimeout: f.shutdownTimeout,
		Registry: reg, Metrics: metrics, Logger: log,
	})
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	if err := srv.Ready(); err != nil {
		log.Warn("not ready yet", "reason", err.Error())
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return exitWith(ExitUsage, fmt.Errorf("--addr: %w", err))
	}
	var mln net.Listener
	if f.metricsAddr != "" {
		if mln, err = net.Listen("tcp", f.metricsAddr); err != nil {
			ln.Close()
			return exitWith(ExitUsage, fmt.Errorf("--metrics-addr: %w", err))
		}
	}
	if err := srv.Serve(cmd.Context(), ln, mln); err != nil {
		return exitWith(ExitInternal, err)
	}
	return nil
}

// buildWebhookHandler loads the configuration, rules and policies the way
// check does and builds the admission handler; usage errors in --rule-mode
// are returned as such.
func buildWebhookHandler(cmd *cobra.Command, f *webhookFlags, mode webhook.Mode, log *slog.Logger, m *webhook.Metrics) (*webhook.Handler, error) {
	cfg, err := f.config.load(cmd.Flags())
	if err != nil {
		return nil, err
	}
	rel := cfg.Release
	all, err := rulesWithPolicies(cmd.Context(), append(cfg.PolicyDirs(), f.policies...), rel)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, r := range all {
		known[r.ID] = true
	}
	ruleModes, err := webhook.ParseRuleModes(f.ruleModes, func(id string) bool { return known[id] })
	if err != nil {
		return nil, fmt.Errorf("--rule-mode: %w", err)
	}
	disabled, severity := cfg.EngineOptions(all)
	var off []string
	for id := range disabled {
		off = append(off, id)
	}
	log.Info("rules loaded", "rules", len(all)-len(off), "disabled", strings.Join(off, ","), "kubernetesVersion", rel.Version, "mode", string(mode))
	return webhook.NewHandler(webhook.Config{
		Engine:       lint.NewEngine(all, lint.Options{Release: rel, Disabled: disabled, Severity: severity, CustomKinds: cfg.LintKinds(), PodSecurity: cfg.PodSecurityOptions()}),
		Mode:         mode,
		RuleModes:    ruleModes,
		MaxBodyBytes: f.maxBodyBytes,
		Timeout:      f.timeout,
		Logger:       log,
		Metrics:      m,
	})
}
