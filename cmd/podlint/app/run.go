package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/report"
	"github.com/podlint/podlint/runner"
	"github.com/podlint/podlint/runner/image"
)

// maxPodFile bounds the manifest podlint run reads.
const maxPodFile = 1 << 20

type runFlags struct {
	until   string
	forDur  time.Duration
	timeout time.Duration
	format  string
	logs    bool
	force   bool
	backOff float64
	expect  []string
	// The node's DNS, as the kubelet's flags of the same names.
	clusterDNS    []string
	clusterDomain string
	resolvConf    string
	config        configFlags
}

func newRunCommand(s Streams) *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run [flags] FILE",
		Short: "Run a Pod in a local rootless sandbox and show its real lifecycle",
		Long: `Run lints the Pod in FILE (refusing API errors unless --force), runs it in a local
rootless sandbox (Linux, unprivileged user namespaces, loopback networking only),
observes it until --until holds and then for --for more, deletes it gracefully
(preStop, stop signal, grace period) and prints what happened. Ctrl-C deletes the Pod
gracefully too. Images come from podlint's image store, pulled into it as each
container's imagePullPolicy asks (busybox images it lacks are served from the host's
busybox). FILE may also hold the v1 ConfigMaps and Secrets the Pod's env, envFrom and
volumes use; a missing required one is a CreateContainerConfigError (env) or a
FailedMount (volumes), and podlint run then deletes the Pod and exits 1.

Exit codes: 0 the condition was observed, 1 refused (lint errors, host namespaces,
privileged, hostPath) or the condition can no longer hold, 2 usage or input error
(an image it cannot have: ErrImageNeverPull or ImagePullBackOff), 3 internal error,
4 --timeout passed.

` + expectHelp,
		Example: `  podlint run pod.yaml                       # until the Pod is Succeeded or Failed
  podlint run --until ready --for 5s pod.yaml
  podlint run --format json --logs pod.yaml
  podlint run --expect phase=Succeeded --expect exitCode[init-db]=0 pod.yaml
  podlint run --until ready --expect observed.ready[web]=true --expect restarts[web]=0 pod.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd.Context(), s, f, cmd.Flags(), args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.until, "until", "terminal", "observe until the Pod is: terminal (Succeeded or Failed), running, ready or created")
	fl.DurationVar(&f.forDur, "for", 0, "keep observing this long after the condition holds")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Minute, "give up (exit 4) when the condition does not hold within this time")
	fl.StringVarP(&f.format, "format", "f", "text", "output format: text or json")
	fl.BoolVar(&f.logs, "logs", false, "include the containers' output")
	fl.BoolVar(&f.force, "force", false, "run even when the linter finds API errors")
	fl.Float64Var(&f.backOff, "backoff-scale", 1, "multiply the kubelet's crash-loop back-off (10s doubling to 5m) by this factor")
	_ = fl.MarkHidden("backoff-scale")
	fl.StringSliceVar(&f.clusterDNS, "cluster-dns", []string{runner.DefaultClusterDNS}, "cluster DNS server addresses ClusterFirst Pods get in resolv.conf, as the kubelet's flag (empty: ClusterFirst falls back to Default, as in the kubelet)")
	fl.StringVar(&f.clusterDomain, "cluster-domain", runner.DefaultClusterDomain, "cluster DNS domain for ClusterFirst search paths and subdomain FQDNs, as the kubelet's flag")
	fl.StringVar(&f.resolvConf, "resolv-conf", runner.DefaultResolvConf, "the node's resolver configuration, which Default Pods inherit and ClusterFirst Pods take search paths from, as the kubelet's flag (empty: none)")
	f.config.register(fl)
	fl.StringArrayVar(&f.expect, "expect", nil, "fail (exit 1) unless this holds, e.g. phase=Succeeded, restarts[web]>=1, observed.ready[web]=true (repeatable; see above)")
	return cmd
}

// dns checks the DNS flags as the kubelet does: addresses must be IPs and
// the resolver configuration readable.
func (f *runFlags) dns() (*runner.DNS, error) {
	d := &runner.DNS{ClusterDomain: f.clusterDomain, ResolvConf: f.resolvConf}
	for _, a := range f.clusterDNS {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if net.ParseIP(a) == nil {
			return nil, fmt.Errorf("--cluster-dns %q: not an IP address", a)
		}
		d.ClusterDNS = append(d.ClusterDNS, a)
	}
	if f.resolvConf != "" {
		if _, err := os.ReadFile(f.resolvConf); err != nil {
			return nil, fmt.Errorf("--resolv-conf: %w", err)
		}
	}
	return d, nil
}

// untilCondition returns the condition and whether it can still become true.
func untilCondition(until string) (func(v1.PodStatus) bool, error) {
	terminal := func(st v1.PodStatus) bool { return st.Phase == v1.PodSucceeded || st.Phase == v1.PodFailed }
	switch until {
	case "terminal":
		return terminal, nil
	case "running":
		return func(st v1.PodStatus) bool { return st.Phase == v1.PodRunning }, nil
	case "ready":
		return func(st v1.PodStatus) bool {
			for _, c := range st.Conditions {
				if c.Type == v1.PodReady {
					return c.Status == v1.ConditionTrue
				}
			}
			return false
		}, nil
	case "created":
		return func(st v1.PodStatus) bool {
			for _, c := range st.Conditions {
				if c.Type == v1.PodReadyToStartContainers {
					return c.Status == v1.ConditionTrue
				}
			}
			return false
		}, nil
	}
	return nil, fmt.Errorf("--until %q: want terminal, running, ready or created", until)
}

func runRun(ctx context.Context, s Streams, f *runFlags, fl *pflag.FlagSet, path string) error {
	cond, err := untilCondition(f.until)
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	if f.format != "text" && f.format != "json" {
		return exitWith(ExitUsage, fmt.Errorf("--format %q: want text or json", f.format))
	}
	dns, err := f.dns()
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	pod, src, err := readPod(ctx, s, f, fl, path)
	if err != nil {
		return err
	}
	// Expectations are checked before the Pod runs: a typo should not cost a
	// whole run.
	expects, err := parseExpectations(f.expect, pod)
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	// The image store first; the host's static busybox serves busybox
	// references the store does not hold, so that a fresh install can run
	// busybox Pods without loading anything.
	images := runner.ChainImages{}
	if store, err := image.Open(image.Options{}); err == nil {
		images = append(images, runner.StoreImages{Store: store})
	}
	images = append(images, &runner.BusyboxImages{Dir: filepath.Join(runner.DefaultStateDir(), "images")})
	// Each warning once; the runner may call Warn from its goroutines.
	var warnMu sync.Mutex
	warned := map[string]bool{}
	opts := runner.Options{
		Images:       images,
		EnvSources:   *src,
		BackOffScale: f.backOff,
		DNS:          dns,
		Warn: func(msg string) {
			warnMu.Lock()
			defer warnMu.Unlock()
			if !warned[msg] {
				warned[msg] = true
				fmt.Fprintf(s.Err, "podlint: warning: %s\n", msg)
			}
		},
	}
	p, err := runner.Start(pod, opts)
	switch {
	case errors.Is(err, runner.ErrRefused):
		return exitWith(ExitFindings, err)
	case errors.Is(err, runner.ErrUnsupported), errors.Is(err, runner.ErrNoSubordinateIDs):
		return exitWith(ExitUsage, err)
	case err != nil:
		return exitWith(ExitInternal, err)
	}
	code := ExitClean
	var observed v1.PodStatus
	terminal := func(st v1.PodStatus) bool { return st.Phase == v1.PodSucceeded || st.Phase == v1.PodFailed }
	wctx, cancel := context.WithTimeout(ctx, f.timeout)
	err = p.WaitFor(wctx, func(st v1.PodStatus) bool {
		return cond(st) || terminal(st) || configError(st) != "" || imageError(st) != "" || p.MountError() != nil
	})
	cancel()
	switch {
	case !cond(p.Status()) && imageError(p.Status()) != "":
		// The kubelet would keep backing off; an image that is not there
		// now will not appear during the run.
		fmt.Fprintf(s.Err, "podlint: %s: the Pod cannot start (podlint image load or podlint image pull it): deleting it\n", imageError(p.Status()))
		code = ExitUsage
	case !cond(p.Status()) && p.MountError() != nil:
		// The kubelet would retry the mount (FailedMount events) until the
		// source appears; the input file is all there is.
		fmt.Fprintf(s.Err, "podlint: %v: the Pod cannot start: deleting it\n", p.MountError())
		code = ExitFindings
	case !cond(p.Status()) && configError(p.Status()) != "":
		// The kubelet would retry until the ConfigMap or Secret appears; the
		// input file is all there is, so the Pod can never start.
		fmt.Fprintf(s.Err, "podlint: %s: the Pod cannot start: deleting it\n", configError(p.Status()))
		code = ExitFindings
	case ctx.Err() != nil:
		fmt.Fprintln(s.Err, "podlint: interrupted: deleting the Pod")
		code = ExitFindings
	case err != nil:
		fmt.Fprintf(s.Err, "podlint: --until %s did not hold within --timeout %s: deleting the Pod\n", f.until, f.timeout)
		code = ExitTimeout
	case !cond(p.Status()):
		fmt.Fprintf(s.Err, "podlint: the Pod became %s before --until %s held\n", p.Status().Phase, f.until)
		code = ExitFindings
	default:
		if f.forDur > 0 {
			select {
			case <-time.After(f.forDur):
			case <-ctx.Done():
			}
		}
	}
	observed = p.Status()
	p.Delete()
	<-p.Done()
	out := runOutput{
		Version:             1,
		Pod:                 podRef{Namespace: pod.Namespace, Name: pod.Name},
		Observed:            observed,
		Final:               p.Status(),
		DeletionRequestedAt: p.DeletionRequestedAt(),
		History:             p.History(),
		Events:              p.Events(),
	}
	if out.History == nil {
		out.History = []runner.Snapshot{}
	}
	if out.Events == nil {
		out.Events = []runner.Event{}
	}
	if f.logs {
		out.Logs = p.Logs()
	}
	if f.format == "json" {
		err = writeRunJSON(s.Out, &out)
	} else {
		err = writeRunText(s.Out, &out)
	}
	if err != nil {
		return exitWith(ExitInternal, fmt.Errorf("writing output: %w", err))
	}
	final := out.Final
	if n := checkExpectations(s.Err, expects, &observed, &final); n > 0 && code == ExitClean {
		code = ExitFindings
	}
	if code != ExitClean {
		return exitWith(code, nil)
	}
	return nil
}

// imageError describes the first container whose image cannot be had: not
// present with pull policy Never, or its pull failed and is backing off; or
// is "".
func imageError(st v1.PodStatus) string {
	for _, list := range [][]v1.ContainerStatus{st.InitContainerStatuses, st.ContainerStatuses} {
		for _, cs := range list {
			if w := cs.State.Waiting; w != nil && (w.Reason == "ErrImageNeverPull" || w.Reason == "ImagePullBackOff") {
				return fmt.Sprintf("container %s: %s: %s", cs.Name, w.Reason, w.Message)
			}
		}
	}
	return ""
}

// configError describes the first container that cannot be created for want
// of a ConfigMap, Secret or key, or is "".
func configError(st v1.PodStatus) string {
	for _, list := range [][]v1.ContainerStatus{st.InitContainerStatuses, st.ContainerStatuses} {
		for _, cs := range list {
			if w := cs.State.Waiting; w != nil && w.Reason == "CreateContainerConfigError" {
				return fmt.Sprintf("container %s: CreateContainerConfigError: %s", cs.Name, w.Message)
			}
		}
	}
	return ""
}

// readPod reads path (a file, or "-" for stdin) once, lints it with the
// engine and configuration podlint check uses (.podlint.yaml, its policies,
// disabled rules and severities, --kubernetes-version), and returns the Pod
// the engine checked, with the ConfigMaps and Secrets given with it.
func readPod(ctx context.Context, s Streams, f *runFlags, fl *pflag.FlagSet, path string) (*v1.Pod, *runner.EnvSources, error) {
	cfg, err := f.config.load(fl)
	if err != nil {
		return nil, nil, err
	}
	rel, _ := lint.ParseRelease(cfg.KubernetesVersion) // validated when read
	var data []byte
	if path == "-" {
		data, err = io.ReadAll(io.LimitReader(s.In, maxPodFile+1))
	} else {
		var file *os.File
		if file, err = os.Open(path); err == nil {
			data, err = io.ReadAll(io.LimitReader(file, maxPodFile+1))
			file.Close()
		}
	}
	if err != nil {
		return nil, nil, exitWith(ExitUsage, err)
	}
	if len(data) > maxPodFile {
		return nil, nil, exitWith(ExitUsage, fmt.Errorf("%s is larger than %d bytes", path, maxPodFile))
	}
	all, err := rulesWithPolicies(ctx, cfg.PolicyDirs(), rel)
	if err != nil {
		return nil, nil, err
	}
	disabled, severity := cfg.EngineOptions(all)
	engine := lint.NewEngine(all, lint.Options{Release: rel, Disabled: disabled, Severity: severity, KeepObjects: true})
	res := engine.Run(ctx, []lint.Source{{Name: path, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}})
	printer, _ := report.New("text", report.TextOptions{})
	var apiErrors int
	for i := range res.Findings {
		if res.Findings[i].Category == lint.CategoryAPI && res.Findings[i].Severity == lint.SeverityError {
			apiErrors++
		}
	}
	if len(res.Findings) > 0 {
		_ = printer.Print(s.Err, res)
	}
	if res.InputErrors() > 0 {
		return nil, nil, exitWith(ExitUsage, fmt.Errorf("%s cannot be read", path))
	}
	if apiErrors > 0 && !f.force {
		return nil, nil, exitWith(ExitFindings, fmt.Errorf("the API server would reject %s (%d errors); --force runs it anyway", path, apiErrors))
	}
	pod, src, err := decodeRunInput(path, data)
	if err != nil {
		return nil, nil, exitWith(ExitUsage, err)
	}
	// Run what the linter judged: the engine's decoding of the Pod.
	for _, obj := range res.Checked {
		if typed, ok := obj.Typed.(*v1.Pod); ok {
			ns := pod.Namespace
			pod = typed.DeepCopy()
			pod.Namespace = ns
			break
		}
	}
	return pod, src, nil
}

// decodeRunInput decodes the documents of a podlint run input: exactly one v1
// Pod, and the v1 ConfigMaps and Secrets its env and envFrom may use (they
// must be in the Pod's namespace, as the API requires).
func decodeRunInput(path string, data []byte) (*v1.Pod, *runner.EnvSources, error) {
	var pod *v1.Pod
	src := &runner.EnvSources{ConfigMaps: map[string]*v1.ConfigMap{}, Secrets: map[string]*v1.Secret{}}
	var cms []*v1.ConfigMap
	var secrets []*v1.Secret
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		var obj any
		switch {
		case tm.APIVersion == "v1" && tm.Kind == "Pod":
			if pod != nil {
				return nil, nil, fmt.Errorf("%s: podlint run takes exactly one Pod", path)
			}
			pod = &v1.Pod{}
			obj = pod
		case tm.APIVersion == "v1" && tm.Kind == "ConfigMap":
			cms = append(cms, &v1.ConfigMap{})
			obj = cms[len(cms)-1]
		case tm.APIVersion == "v1" && tm.Kind == "Secret":
			secrets = append(secrets, &v1.Secret{})
			obj = secrets[len(secrets)-1]
		default:
			return nil, nil, fmt.Errorf("%s: podlint run takes a v1 Pod (with the v1 ConfigMaps and Secrets it uses), not %s %s", path, tm.APIVersion, tm.Kind)
		}
		if err := yaml.Unmarshal(doc, obj); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if pod == nil {
		return nil, nil, fmt.Errorf("%s: podlint run takes a v1 Pod; there is none", path)
	}
	if pod.Namespace == "" {
		pod.Namespace = "default"
	}
	for _, cm := range cms {
		if ns := cm.Namespace; ns != "" && ns != pod.Namespace {
			return nil, nil, fmt.Errorf("%s: ConfigMap %s/%s is not in the Pod's namespace %s: a Pod can only use its own namespace's", path, ns, cm.Name, pod.Namespace)
		}
		src.ConfigMaps[cm.Name] = cm
	}
	for _, sec := range secrets {
		if ns := sec.Namespace; ns != "" && ns != pod.Namespace {
			return nil, nil, fmt.Errorf("%s: Secret %s/%s is not in the Pod's namespace %s: a Pod can only use its own namespace's", path, ns, sec.Name, pod.Namespace)
		}
		src.Secrets[sec.Name] = sec
	}
	return pod, src, nil
}

type podRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// runOutput is the JSON document of podlint run (version 1).
type runOutput struct {
	Version             int               `json:"version"`
	Pod                 podRef            `json:"pod"`
	Observed            v1.PodStatus      `json:"observed"`
	Final               v1.PodStatus      `json:"final"`
	DeletionRequestedAt *time.Time        `json:"deletionRequestedAt"`
	History             []runner.Snapshot `json:"history"`
	Events              []runner.Event    `json:"events"`
	Logs                map[string]string `json:"logs,omitempty"`
}

// writeRunJSON writes out with every time in RFC 3339 with nanoseconds.
func writeRunJSON(w io.Writer, out *runOutput) error {
	type snapshot struct {
		Time   time.Time       `json:"time"`
		Status json.RawMessage `json:"status"`
	}
	doc := struct {
		Version             int               `json:"version"`
		Pod                 podRef            `json:"pod"`
		Observed            json.RawMessage   `json:"observed"`
		Final               json.RawMessage   `json:"final"`
		DeletionRequestedAt *time.Time        `json:"deletionRequestedAt"`
		History             []snapshot        `json:"history"`
		Events              []runner.Event    `json:"events"`
		Logs                map[string]string `json:"logs,omitempty"`
	}{Version: out.Version, Pod: out.Pod, DeletionRequestedAt: out.DeletionRequestedAt, Events: out.Events, Logs: out.Logs, History: []snapshot{}}
	var err error
	if doc.Observed, err = preciseStatus(&out.Observed); err != nil {
		return err
	}
	if doc.Final, err = preciseStatus(&out.Final); err != nil {
		return err
	}
	for i := range out.History {
		st, err := preciseStatus(&out.History[i].Status)
		if err != nil {
			return err
		}
		doc.History = append(doc.History, snapshot{Time: out.History[i].Time, Status: st})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// preciseStatus encodes st as Kubernetes does, then rewrites its times with
// nanoseconds: metav1.Time keeps whole seconds only, too coarse to show the
// order of a Pod's transitions.
func preciseStatus(st *v1.PodStatus) (json.RawMessage, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	set := func(m map[string]any, key string, t time.Time) {
		if m != nil && !t.IsZero() {
			m[key] = t.UTC().Format(time.RFC3339Nano)
		}
	}
	obj := func(v any) map[string]any { x, _ := v.(map[string]any); return x }
	if st.StartTime != nil {
		set(m, "startTime", st.StartTime.Time)
	}
	conds, _ := m["conditions"].([]any)
	for i := range st.Conditions {
		if i < len(conds) {
			set(obj(conds[i]), "lastTransitionTime", st.Conditions[i].LastTransitionTime.Time)
		}
	}
	state := func(m map[string]any, s *v1.ContainerState) {
		if s.Running != nil {
			set(obj(m["running"]), "startedAt", s.Running.StartedAt.Time)
		}
		if s.Terminated != nil {
			set(obj(m["terminated"]), "startedAt", s.Terminated.StartedAt.Time)
			set(obj(m["terminated"]), "finishedAt", s.Terminated.FinishedAt.Time)
		}
	}
	for key, list := range map[string][]v1.ContainerStatus{"initContainerStatuses": st.InitContainerStatuses, "containerStatuses": st.ContainerStatuses} {
		js, _ := m[key].([]any)
		for i := range list {
			if i < len(js) {
				state(obj(obj(js[i])["state"]), &list[i].State)
				state(obj(obj(js[i])["lastState"]), &list[i].LastTerminationState)
			}
		}
	}
	return json.Marshal(m)
}

func writeRunText(w io.Writer, out *runOutput) error {
	var b strings.Builder
	start := time.Time{}
	if len(out.History) > 0 {
		start = out.History[0].Time
	}
	rel := func(t time.Time) string { return fmt.Sprintf("%+8.3fs", t.Sub(start).Seconds()) }
	type line struct {
		t    time.Time
		text string
	}
	var lines []line
	for _, h := range out.History {
		lines = append(lines, line{h.Time, "status  " + summarize(h.Status)})
	}
	for _, e := range out.Events {
		c := ""
		if e.Container != "" {
			c = e.Container + ": "
		}
		lines = append(lines, line{e.Time, fmt.Sprintf("event   %-7s %-20s %s%s", e.Type, e.Reason, c, e.Message)})
	}
	if out.DeletionRequestedAt != nil {
		lines = append(lines, line{*out.DeletionRequestedAt, "delete  graceful deletion requested"})
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].t.Before(lines[j].t) })
	fmt.Fprintf(&b, "pod %s/%s\n", out.Pod.Namespace, out.Pod.Name)
	for _, l := range lines {
		fmt.Fprintf(&b, "%s  %s\n", rel(l.t), l.text)
	}
	fmt.Fprintf(&b, "observed: %s\nfinal:    %s\n", summarize(out.Observed), summarize(out.Final))
	names := make([]string, 0, len(out.Logs))
	for n := range out.Logs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "--- logs %s\n%s", n, out.Logs[n])
		if l := out.Logs[n]; l != "" && !strings.HasSuffix(l, "\n") {
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// summarize is one line of phase, conditions and container states.
func summarize(st v1.PodStatus) string {
	var b strings.Builder
	b.WriteString(string(st.Phase))
	var conds []string
	for _, c := range st.Conditions {
		if c.Status == v1.ConditionTrue {
			conds = append(conds, string(c.Type))
		}
	}
	fmt.Fprintf(&b, " [%s]", strings.Join(conds, ","))
	for _, list := range [][]v1.ContainerStatus{st.InitContainerStatuses, st.ContainerStatuses} {
		for _, cs := range list {
			state := "unknown"
			switch {
			case cs.State.Running != nil:
				state = "running"
			case cs.State.Terminated != nil:
				state = fmt.Sprintf("terminated(%d)", cs.State.Terminated.ExitCode)
			case cs.State.Waiting != nil:
				state = cs.State.Waiting.Reason
			}
			ready := ""
			if cs.Ready {
				ready = ",ready"
			}
			fmt.Fprintf(&b, " %s=%s%s", cs.Name, state, ready)
			if cs.RestartCount > 0 {
				fmt.Fprintf(&b, "(restarts:%d)", cs.RestartCount)
			}
		}
	}
	return b.String()
}
