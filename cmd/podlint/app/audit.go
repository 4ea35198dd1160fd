package app

import (
	"errors"
	"fmt"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/podlint/podlint/audit"
	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/report"
)

type auditFlags struct {
	config        configFlags
	kubeconfig    string
	context       string
	namespace     string
	allNamespaces bool
	format        string
	outputs       []string
	verbose       bool
	quiet         bool
	color         string
	policies      []string
	resources     []string
	pageSize      int64
	timeout       time.Duration
}

func newAuditCommand(s Streams) *cobra.Command {
	f := &auditFlags{}
	cmd := &cobra.Command{
		Use:   "audit [flags]",
		Short: "Check the Pods and workloads of a live cluster",
		Long: `List the Pods and workloads (Deployment, ReplicaSet, StatefulSet, DaemonSet,
Job, CronJob, ReplicationController) of a cluster, page by page, and check them
with the rules, configuration and policies of podlint check, as the webhook
does: findings are located by object and field path, Pods owned by a controller
are judged through their owner's template, and findings about the encoding
(fields this podlint does not know) are left out. The text output is grouped by
namespace. The identity needs list permission on those kinds.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error
(no kubeconfig, cluster unreachable, listing forbidden), 3 internal error.`,
		Example: `  podlint audit --kubeconfig ~/.kube/config
  podlint audit --context prod --namespace shop --format sarif --output json=audit.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runAudit(cmd, s, f) },
	}
	fl := cmd.Flags()
	f.config.register(fl)
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
	fl.StringVar(&f.context, "context", "", "kubeconfig context (default: its current context)")
	fl.StringVarP(&f.namespace, "namespace", "n", "", "audit only this namespace")
	fl.BoolVarP(&f.allNamespaces, "all-namespaces", "A", false, "audit every namespace (the default without --namespace)")
	fl.StringVarP(&f.format, "format", "f", "text", "output format: "+strings.Join(report.Formats(), ", "))
	fl.StringArrayVar(&f.outputs, "output", nil, "additional output as FORMAT=FILE (repeatable), e.g. sarif=audit.sarif")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "also name namespaces without findings, and count the list calls")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print findings only, without the summary line")
	fl.StringVar(&f.color, "color", "auto", "colour the text output: auto (on a terminal, unless NO_COLOR is set), always or never")
	fl.StringArrayVar(&f.policies, "policy", nil, "directory or file of Rego policies to run as well (repeatable)")
	fl.DurationVar(&f.timeout, "request-timeout", 30*time.Second, "deadline of each list call to the API server")
	fl.Int64Var(&f.pageSize, "page-size", audit.DefaultPageSize, "objects per list call")
	fl.StringArrayVar(&f.resources, "resource", nil, "also list this custom resource, as GROUP/VERSION/RESOURCE (repeatable), e.g. argoproj.io/v1alpha1/rollouts; its pod templates are judged as in check")
	// Tuning for tests of pagination, not a knob users need.
	_ = fl.MarkHidden("page-size")
	return cmd
}

func runAudit(cmd *cobra.Command, s Streams, f *auditFlags) error {
	if f.allNamespaces && f.namespace != "" {
		return exitWith(ExitUsage, errors.New("--namespace and --all-namespaces exclude each other"))
	}
	if f.pageSize <= 0 {
		return exitWith(ExitUsage, fmt.Errorf("--page-size: %d is not positive", f.pageSize))
	}
	cfg, err := f.config.load(cmd.Flags())
	if err != nil {
		return err
	}
	failOn, rel := cfg.FailOn, cfg.Release
	textOpts, sinkOpts, err := textOptions(&checkFlags{color: f.color, verbose: f.verbose, quiet: f.quiet}, false, s.Out)
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	textOpts.ShowSource = false // no file, no source lines
	// Printers are built once the policies are loaded: SARIF lists every rule.
	all, err := rulesWithPolicies(cmd.Context(), append(cfg.PolicyDirs(), f.policies...), rel)
	if err != nil {
		return err
	}
	opts := report.Options{Text: textOpts, Rules: all}
	if v := buildVersion(); v != "(devel)" {
		opts.Version = v
	}
	main, err := auditPrinter(f.format, opts)
	if err != nil {
		return exitWith(ExitUsage, fmt.Errorf("--format: %w", err))
	}
	extra, err := outputSinks(f.outputs, opts, sinkOpts, auditPrinter)
	if err != nil {
		return err
	}

	loading := clientcmd.NewDefaultClientConfigLoadingRules()
	loading.ExplicitPath = f.kubeconfig
	kc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(loading, &clientcmd.ConfigOverrides{CurrentContext: f.context})
	rc, err := kc.ClientConfig()
	if err != nil {
		return exitWith(ExitUsage, fmt.Errorf("kubeconfig: %w", err))
	}
	rc.Timeout = f.timeout
	rc.UserAgent = "podlint-audit"
	client, err := dynamic.NewForConfig(rc)
	if err != nil {
		return exitWith(ExitUsage, fmt.Errorf("kubeconfig: %w", err))
	}

	disabled, severity := cfg.EngineOptions(all)
	engine := lint.NewEngine(all, lint.Options{Release: rel, Disabled: disabled, Severity: severity, CustomKinds: cfg.LintKinds(), PodSecurity: cfg.PodSecurityOptions()})
	var resources []schema.GroupVersionResource
	for _, r := range f.resources {
		gvr, err := audit.ParseResource(r)
		if err != nil {
			return exitWith(ExitUsage, fmt.Errorf("--resource: %w", err))
		}
		resources = append(resources, gvr)
	}
	res, st, err := audit.Run(cmd.Context(), client, audit.Options{Engine: engine, Namespace: f.namespace, PageSize: f.pageSize, Resources: resources})
	if err != nil {
		if cmd.Context().Err() != nil {
			return exitWith(ExitInternal, fmt.Errorf("interrupted: %w", err))
		}
		return exitWith(ExitUsage, fmt.Errorf("cluster %s: %w", rc.Host, err))
	}
	if f.verbose {
		fmt.Fprintf(s.Err, "podlint audit: listed %d objects in %d pages of at most %d\n", st.Listed, st.Pages, f.pageSize)
	}
	if st.NamespaceLabelsErr != nil {
		fmt.Fprintf(s.Err, "podlint audit: namespaces' Pod Security labels not applied (only --pod-security): %v\n", st.NamespaceLabelsErr)
	}
	if st.Controlled > 0 && !f.quiet {
		fmt.Fprintf(s.Err, "podlint audit: Pods owned by a controller, judged through the owner's template instead: %d\n", st.Controlled)
	}
	if err := writeReports(s, main, extra, res); err != nil {
		return err
	}
	// lint.LiveFindings left out input findings, so exitFor's input-error case
	// never applies here.
	return exitFor(s, res, failOn)
}

// auditPrinter is report's printer for a format, but the text format groups
// findings by namespace.
func auditPrinter(format string, o report.Options) (report.Printer, error) {
	if format == "text" || format == "" {
		return &audit.Text{Options: o.Text}, nil
	}
	return report.NewWith(format, o)
}
