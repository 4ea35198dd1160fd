package app

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/config"
	"github.com/podlint/podlint/rules"
)

// configFlags are the flags that the configuration file can also set; a flag
// given on the command line wins over the file.
type configFlags struct {
	file              string
	failOn            string
	kubernetesVersion string
	podSecurity       string
}

func (c *configFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&c.file, "config", "", "configuration file (default: the first "+config.FileName+" found walking up from the working directory)")
	fl.StringVar(&c.failOn, "fail-on", "error", "exit 1 when a finding is at least this severe: error, warning, info or none")
	fl.StringVar(&c.kubernetesVersion, "kubernetes-version", lint.DefaultKubernetesVersion, "Kubernetes release whose behaviour to check against (1.35 to 1.37)")
	fl.StringVar(&c.podSecurity, "pod-security", "", "Pod Security level LEVEL[:VERSION] (privileged, baseline, restricted; latest or v1.N) enforced in namespaces whose Namespace object in the input has no enforce label")
}

// settings is the effective configuration with --fail-on and
// --kubernetes-version (or their file values) parsed once into typed values.
type settings struct {
	*config.Config
	FailOn  lint.Severity
	Release lint.Release
}

// load finds and reads the configuration file, then applies the flags given.
func (c *configFlags) load(fl *pflag.FlagSet) (*settings, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, exitWith(ExitUsage, err)
	}
	file := c.file
	if file == "" {
		if file, err = config.Find(wd); err != nil {
			return nil, exitWith(ExitUsage, fmt.Errorf("looking for %s: %w", config.FileName, err))
		}
	}
	cfg := config.Default(wd)
	if file != "" {
		if cfg, err = config.Load(file, rules.All()); err != nil {
			return nil, exitWith(ExitUsage, fmt.Errorf("configuration: %w", err))
		}
	}
	failOn, failOnFrom := cfg.FailOn, "configuration: failOn"
	if fl.Changed("fail-on") {
		failOn, failOnFrom = c.failOn, "--fail-on"
	}
	version, versionFrom := cfg.KubernetesVersion, "configuration: kubernetesVersion"
	if fl.Changed("kubernetes-version") {
		version, versionFrom = c.kubernetesVersion, "--kubernetes-version"
	}
	s := &settings{Config: cfg}
	if s.FailOn, err = lint.ParseSeverity(failOn); err != nil {
		return nil, exitWith(ExitUsage, fmt.Errorf("%s: %w", failOnFrom, err))
	}
	if s.Release, err = lint.ParseRelease(version); err != nil {
		return nil, exitWith(ExitUsage, fmt.Errorf("%s: %w", versionFrom, err))
	}
	cfg.FailOn, cfg.KubernetesVersion = failOn, version
	if fl.Changed("pod-security") {
		if _, err := lint.ParsePodSecurityLevel(c.podSecurity); err != nil {
			return nil, exitWith(ExitUsage, fmt.Errorf("--pod-security: %w", err))
		}
		cfg.PodSecurity.Default = c.podSecurity
	}
	return s, nil
}

func newConfigCommand(s Streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show podlint's configuration (" + config.FileName + ")",
	}
	f := &configFlags{}
	print := &cobra.Command{
		Use:   "print",
		Short: "Print the effective configuration: the file found (or --config), defaults filled in, flags applied",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.load(cmd.Flags())
			if err != nil {
				return err
			}
			out, err := cfg.Print()
			if err != nil {
				return exitWith(ExitInternal, err)
			}
			_, err = s.Out.Write(out)
			return err
		},
	}
	f.register(print.Flags())
	cmd.AddCommand(print)
	return cmd
}
