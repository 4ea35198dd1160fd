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

// load finds and reads the configuration file, then applies the flags given.
func (c *configFlags) load(fl *pflag.FlagSet) (*config.Config, error) {
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
	if fl.Changed("fail-on") {
		if _, err := lint.ParseSeverity(c.failOn); err != nil {
			return nil, exitWith(ExitUsage, fmt.Errorf("--fail-on: %w", err))
		}
		cfg.FailOn = c.failOn
	}
	if fl.Changed("kubernetes-version") {
		if _, err := lint.ParseRelease(c.kubernetesVersion); err != nil {
			return nil, exitWith(ExitUsage, fmt.Errorf("--kubernetes-version: %w", err))
		}
		cfg.KubernetesVersion = c.kubernetesVersion
	}
	if fl.Changed("pod-security") {
		if _, err := lint.ParsePodSecurityLevel(c.podSecurity); err != nil {
			return nil, exitWith(ExitUsage, fmt.Errorf("--pod-security: %w", err))
		}
		cfg.PodSecurity.Default = c.podSecurity
	}
	return cfg, nil
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
