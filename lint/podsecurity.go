package lint

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// Pod Security Standards. The verdicts come from k8s.io/pod-security-admission's
// own checks, the code the API server's PodSecurity admission plugin runs; podlint
// only finds the fields each failed check is about and decides, once the whole
// input is read, which level applies to each object's namespace.
//
// Every check version is evaluated on every object while its document is checked
// (the Namespace objects that decide the level may come later in the input). The
// failures become candidate findings; Run keeps those of the checks the
// namespace's levels and versions select (the evaluator's own selection, including
// restricted checks that override baseline ones) and gives them the severity of
// the strictest mode: enforce error, warn warning, audit info.

// CategoryPodSecurity: a namespace's Pod Security admission refuses the Pod
// (enforce), or warns or records an audit annotation about it.
const CategoryPodSecurity Category = "pod-security"

// Pod Security admission modes, as in the namespace labels
// pod-security.kubernetes.io/<mode> and <mode>-version.
const (
	PodSecurityEnforce = "enforce"
	PodSecurityWarn    = "warn"
	PodSecurityAudit   = "audit"
)

// PodSecurityOptions say which Pod Security levels apply beyond those the
// Namespace objects of the input carry.
type PodSecurityOptions struct {
	// Default is enforced in every namespace whose enforce label is not in the
	// input, like the admission configuration's defaults.enforce: --pod-security
	// and podSecurity.default in .podlint.yaml. Zero: none.
	Default psaapi.LevelVersion
	// ExemptNamespaces and ExemptRuntimeClasses are exempt from every mode, like
	// the admission configuration's exemptions (usernames have no meaning offline).
	ExemptNamespaces     []string
	ExemptRuntimeClasses []string
}

// ParsePodSecurityLevel parses LEVEL[:VERSION], e.g. restricted, baseline:v1.30
// or restricted:latest; the version defaults to latest.
func ParsePodSecurityLevel(s string) (psaapi.LevelVersion, error) {
	lvl, ver, _ := strings.Cut(s, ":")
	level, err := psaapi.ParseLevel(lvl)
	if err != nil {
		return psaapi.LevelVersion{}, fmt.Errorf("%q: level must be privileged, baseline or restricted", s)
	}
	version := psaapi.LatestVersion()
	if ver != "" {
		if version, err = psaapi.ParseVersion(ver); err != nil {
			return psaapi.LevelVersion{}, fmt.Errorf("%q: version must be latest or v1.N", s)
		}
	}
	return psaapi.LevelVersion{Level: level, Version: version}, nil
}

// psaTag marks a candidate finding: which check version produced it and what
// decides whether it applies.
type psaTag struct {
	check     policy.CheckID
	version   psaapi.Version
	namespace string
	workload  bool
}

type psaKey struct {
	check   policy.CheckID
	version psaapi.Version
}

// psaChecks is the evaluator's check list, read once.
var psaChecks = sync.OnceValue(policy.DefaultChecks)

// psaSelection answers which check versions the evaluator runs for a level and
// version. It asks the evaluator itself: an evaluator whose checks only name
// themselves, run on nothing, returns exactly the selection.
var psaSelection = sync.OnceValue(func() func(psaapi.LevelVersion) map[psaKey]bool {
	var named []policy.Check
	for _, c := range psaChecks() {
		n := policy.Check{ID: c.ID, Level: c.Level}
		for _, v := range c.Versions {
			key := string(c.ID) + "@" + v.MinimumVersion.String()
			n.Versions = append(n.Versions, policy.VersionedCheck{MinimumVersion: v.MinimumVersion, OverrideCheckIDs: v.OverrideCheckIDs,
				CheckPod: func(*metav1.ObjectMeta, *corev1.PodSpec) policy.CheckResult {
					return policy.CheckResult{ForbiddenReason: key}
				}})
		}
		named = append(named, n)
	}
	ev, err := policy.NewEvaluator(named, nil)
	if err != nil {
		panic(fmt.Sprintf("pod-security-admission's default checks: %v", err)) // the library's own list
	}
	versions := map[string]psaKey{}
	for _, c := range psaChecks() {
		for _, v := range c.Versions {
			versions[string(c.ID)+"@"+v.MinimumVersion.String()] = psaKey{c.ID, v.MinimumVersion}
		}
	}
	var mu sync.Mutex
	cache := map[psaapi.LevelVersion]map[psaKey]bool{}
	return func(lv psaapi.LevelVersion) map[psaKey]bool {
		mu.Lock()
		defer mu.Unlock()
		if s, ok := cache[lv]; ok {
			return s
		}
		s := map[psaKey]bool{}
		for _, r := range ev.EvaluatePod(lv, &metav1.ObjectMeta{}, &corev1.PodSpec{}) {
			s[versions[r.ForbiddenReason]] = true
		}
		cache[lv] = s
		return s
	}
})

// podSecurityCandidates evaluates every check version on obj and reports the
// failures, one per offending field, tagged for resolvePodSecurity.
func (e *Engine) podSecurityCandidates(obj *Object, add func(Finding)) {
	spec := obj.PodSpec
	if spec == nil || e.exemptNamespace(obj.Ref.Namespace) ||
		spec.RuntimeClassName != nil && slices.Contains(e.opts.PodSecurity.ExemptRuntimeClasses, *spec.RuntimeClassName) {
		return
	}
	if obj.IsPod() && spec.HostNetwork {
		spec = withHostNetworkPorts(spec)
	}
	spec = withDefaultVolumeSources(spec)
	meta := obj.PodMeta
	if meta == nil {
		meta = &metav1.ObjectMeta{}
	}
	metaPath := podMetaPath(obj)
	for _, c := range psaChecks() {
		rule := PodSecurityRule(c.ID)
		if rule == nil || e.opts.Disabled[rule.ID] {
			continue
		}
		seen := map[string]bool{}
		for _, v := range c.Versions {
			res := v.CheckPod(meta, spec)
			if res.Allowed {
				continue
			}
			fields := locatePodSecurity(c.ID, res, meta, spec, obj.PodSpecPath, metaPath)
			if len(fields) == 0 {
				fields = []*field.Path{obj.PodSpecPath}
			}
			for _, p := range fields {
				msg := res.ForbiddenReason
				if res.ForbiddenDetail != "" {
					msg += " (" + res.ForbiddenDetail + ")"
				}
				f := rule.finding(obj.Ref, p, field.ErrorTypeForbidden, nil, msg, "")
				f.psa = &psaTag{check: c.ID, version: v.MinimumVersion, namespace: obj.Ref.Namespace, workload: !obj.IsPod()}
				key := p.String() + "\x00" + v.MinimumVersion.String()
				if seen[key] {
					continue
				}
				seen[key] = true
				add(f)
			}
		}
	}
}

// withHostNetworkPorts returns spec as the API server stores a Pod with
// hostNetwork (SetDefaults_Pod; not templates): every container and init container
// port without a hostPort gets its containerPort as hostPort, which is what
// admission then sees.
func withHostNetworkPorts(spec *corev1.PodSpec) *corev1.PodSpec {
	s := *spec
	def := func(cs []corev1.Container) []corev1.Container {
		out := make([]corev1.Container, len(cs))
		copy(out, cs)
		for i := range out {
			ports := make([]corev1.ContainerPort, len(out[i].Ports))
			copy(ports, out[i].Ports)
			for j := range ports {
				if ports[j].HostPort == 0 {
					ports[j].HostPort = ports[j].ContainerPort
				}
			}
			out[i].Ports = ports
		}
		return out
	}
	s.Containers, s.InitContainers = def(s.Containers), def(s.InitContainers)
	return &s
}

// withDefaultVolumeSources returns spec with a volume that names no source given
// an emptyDir, as the API server's defaulting does (SetDefaults_Volume, templates
// included) before admission sees it.
func withDefaultVolumeSources(spec *corev1.PodSpec) *corev1.PodSpec {
	for i := range spec.Volumes {
		if volumeSourceKey(&spec.Volumes[i].VolumeSource) != "" {
			continue
		}
		s := *spec
		s.Volumes = slices.Clone(spec.Volumes)
		for j := i; j < len(s.Volumes); j++ {
			if volumeSourceKey(&s.Volumes[j].VolumeSource) == "" {
				s.Volumes[j].VolumeSource = corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
			}
		}
		return &s
	}
	return spec
}

// podMetaPath is where the Pod's metadata is: the object's own for a Pod, the
// template's (beside the pod spec) for a workload.
func podMetaPath(obj *Object) *field.Path {
	if obj.IsPod() {
		return obj.Path("metadata")
	}
	// PodSpecPath ends in .spec; its parent is the template.
	s := obj.PodSpecPath.String()
	parent := strings.TrimSuffix(s, ".spec")
	return pathFromString(parent).Child("metadata")
}

// pathFromString rebuilds a field.Path from its string form (names and [N] indexes).
func pathFromString(s string) *field.Path {
	var p *field.Path
	for _, part := range strings.Split(s, ".") {
		name, idx, hasIdx := strings.Cut(part, "[")
		if p == nil {
			p = field.NewPath(name)
		} else {
			p = p.Child(name)
		}
		if hasIdx {
			var i int
			fmt.Sscanf(strings.TrimSuffix(idx, "]"), "%d", &i)
			p = p.Index(i)
		}
	}
	return p
}

func (e *Engine) exemptNamespace(ns string) bool {
	return ns != "" && slices.Contains(e.opts.PodSecurity.ExemptNamespaces, ns)
}

// psaMode is one mode that applies to a namespace.
type psaMode struct {
	mode     string
	lv       psaapi.LevelVersion
	severity Severity
	// source says where the level comes from, for messages.
	source string
}

// namespacePolicies returns the modes that apply to objects of namespace ns:
// the admission controller's own reading of the namespace's labels (when its
// Namespace object was in the input) over the default.
func (e *Engine) namespacePolicies(ns string, labels map[string]map[string]string) []psaMode {
	privileged := psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()}
	defaults := psaapi.Policy{Enforce: privileged, Audit: privileged, Warn: privileged}
	if e.opts.PodSecurity.Default.Level != "" {
		defaults.Enforce = e.opts.PodSecurity.Default
	}
	nsLabels := labels[ns]
	// Bad labels are read as the admission controller reads them (enforce
	// restricted:latest, warn and audit privileged); validation refuses the
	// Namespace itself, so there is nothing more to say here.
	p, _ := psaapi.PolicyToEvaluate(nsLabels, defaults)
	var out []psaMode
	for _, m := range []struct {
		mode string
		lv   psaapi.LevelVersion
		sev  Severity
	}{{PodSecurityEnforce, p.Enforce, SeverityError}, {PodSecurityWarn, p.Warn, SeverityWarning}, {PodSecurityAudit, p.Audit, SeverityInfo}} {
		if m.lv.Level == psaapi.LevelPrivileged {
			continue
		}
		source := "--pod-security"
		if v, ok := nsLabels["pod-security.kubernetes.io/"+m.mode]; ok {
			source = fmt.Sprintf("label %s=%s of Namespace %s", "pod-security.kubernetes.io/"+m.mode, v, ns)
		} else if _, ok := nsLabels[psaapi.EnforceLevelLabel]; ok && m.mode == PodSecurityWarn {
			source = fmt.Sprintf("label %s of Namespace %s", psaapi.EnforceLevelLabel, ns)
		}
		out = append(out, psaMode{m.mode, m.lv, m.sev, source})
	}
	return out
}

// releaseVersion clamps a policy version to the target release: latest, or a
// version newer than the cluster, means the cluster's own release.
func (e *Engine) releaseVersion(v psaapi.Version) psaapi.Version {
	var major, minor int
	if _, err := fmt.Sscanf(e.opts.Release.Version, "%d.%d", &major, &minor); err != nil {
		return v
	}
	rel := psaapi.MajorMinorVersion(major, minor)
	if v.Latest() || rel.Older(v) {
		return rel
	}
	return v
}

// resolvePodSecurity turns the candidate findings into the findings of the
// modes that apply to each object's namespace, and drops the others.
func (e *Engine) resolvePodSecurity(findings []Finding, labels map[string]map[string]string) []Finding {
	type placed struct {
		obj   ObjectRef
		rule  string
		field string
	}
	best := map[placed]int{}
	kept := findings[:0]
	policies := map[string][]psaMode{}
	for _, f := range findings {
		if f.psa == nil {
			kept = append(kept, f)
			continue
		}
		modes, ok := policies[f.psa.namespace]
		if !ok {
			modes = e.namespacePolicies(f.psa.namespace, labels)
			policies[f.psa.namespace] = modes
		}
		var applied []psaMode
		for _, m := range modes {
			lv := m.lv
			lv.Version = e.releaseVersion(lv.Version)
			if psaSelection()(lv)[psaKey{f.psa.check, f.psa.version}] {
				applied = append(applied, m)
			}
		}
		if len(applied) == 0 {
			continue
		}
		m := applied[0] // enforce, warn, audit: the strictest first
		tag := f.psa
		f.psa = nil
		f.Severity = m.severity
		if s, ok := e.opts.Severity[f.Rule]; ok {
			f.Severity = s
		}
		f.Message = fmt.Sprintf("Pod Security %q (%s, %s): %s", m.lv.String(), m.mode, m.source, f.Message)
		if tag.workload {
			switch m.mode {
			case PodSecurityEnforce:
				f.Message += "; the API server accepts this " + f.Object.Kind + " with only a warning, but every Pod its controller creates from the template is refused"
			case PodSecurityWarn:
				f.Message += "; applying it prints a warning, and so does each Pod created from the template"
			}
		}
		k := placed{f.Object, f.Rule, f.Field}
		if i, dup := best[k]; dup {
			if kept[i].Severity < f.Severity {
				kept[i] = f
			}
			continue
		}
		best[k] = len(kept)
		kept = append(kept, f)
	}
	return kept
}

// resolveSuppressed drops suppressed candidates whose check does not apply.
func (e *Engine) resolveSuppressed(sup []SuppressedFinding, labels map[string]map[string]string) []SuppressedFinding {
	var fs []Finding
	var rest []SuppressedFinding
	via := map[int]SuppressedFinding{}
	for _, s := range sup {
		if s.Finding.psa == nil {
			rest = append(rest, s)
			continue
		}
		via[len(fs)] = s
		fs = append(fs, s.Finding)
	}
	if len(fs) == 0 {
		return sup
	}
	// Resolution keeps order; match the survivors back by position and field.
	for _, f := range e.resolvePodSecurity(fs, labels) {
		for i, s := range via {
			if s.Finding.Object == f.Object && s.Finding.Rule == f.Rule && s.Finding.Field == f.Field {
				s.Finding = f
				rest = append(rest, s)
				delete(via, i)
				break
			}
		}
	}
	return rest
}

// namespaceLabels reads the labels of a Namespace object as written.
func namespaceLabels(input map[string]any) map[string]string {
	meta, _ := input["metadata"].(map[string]any)
	raw, _ := meta["labels"].(map[string]any)
	out := map[string]string{}
	for k, v := range raw {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// containerAt is one container of a pod spec with its path.
type containerAt struct {
	c    *corev1.Container
	path *field.Path
}

func podContainers(spec *corev1.PodSpec, specPath *field.Path) []containerAt {
	var out []containerAt
	for i := range spec.InitContainers {
		out = append(out, containerAt{&spec.InitContainers[i], specPath.Child("initContainers").Index(i)})
	}
	for i := range spec.Containers {
		out = append(out, containerAt{&spec.Containers[i], specPath.Child("containers").Index(i)})
	}
	for i := range spec.EphemeralContainers {
		c := corev1.Container(spec.EphemeralContainers[i].EphemeralContainerCommon)
		out = append(out, containerAt{&c, specPath.Child("ephemeralContainers").Index(i)})
	}
	return out
}

// quoted reports whether s appears in the detail as "s", the way the checks
// name containers, volumes, capabilities and values.
func quoted(detail, s string) bool { return strings.Contains(detail, `"`+s+`"`) }

// mentionsPod reports whether the detail names the pod-level setting.
func mentionsPod(detail string) bool {
	return strings.HasPrefix(detail, "pod ") && !strings.HasPrefix(detail, "pod or ")
}

// locatePodSecurity returns the fields a failed check is about. The verdict is
// the evaluator's; this only points at what it names: the containers, volumes,
// capabilities and values its detail quotes, among the fields the check reads.
func locatePodSecurity(id policy.CheckID, res policy.CheckResult, meta *metav1.ObjectMeta, spec *corev1.PodSpec, specPath, metaPath *field.Path) []*field.Path {
	d := res.ForbiddenDetail
	var out []*field.Path
	psc := specPath.Child("securityContext")
	named := func(fn func(c containerAt)) {
		for _, c := range podContainers(spec, specPath) {
			if quoted(d, c.c.Name) {
				fn(c)
			}
		}
	}
	sc := func(c containerAt) *field.Path { return c.path.Child("securityContext") }
	switch id {
	case "hostNamespaces":
		if spec.HostNetwork {
			out = append(out, specPath.Child("hostNetwork"))
		}
		if spec.HostPID {
			out = append(out, specPath.Child("hostPID"))
		}
		if spec.HostIPC {
			out = append(out, specPath.Child("hostIPC"))
		}
	case "privileged":
		named(func(c containerAt) { out = append(out, sc(c).Child("privileged")) })
	case "capabilities_baseline", "capabilities_restricted":
		named(func(c containerAt) {
			caps := c.c.SecurityContext
			if caps != nil && caps.Capabilities != nil {
				for j, a := range caps.Capabilities.Add {
					if quoted(d, string(a)) {
						out = append(out, sc(c).Child("capabilities", "add").Index(j))
					}
				}
			}
			if id == "capabilities_restricted" && strings.Contains(d, `must set securityContext.capabilities.drop`) &&
				(caps == nil || caps.Capabilities == nil || !slices.Contains(caps.Capabilities.Drop, "ALL")) {
				// Only if this container is among those missing the drop.
				before, _, _ := strings.Cut(d, "must set securityContext.capabilities.drop")
				if i := strings.LastIndex(before, ";"); i >= 0 {
					before = before[i:]
				}
				if quoted(before, c.c.Name) {
					out = append(out, sc(c).Child("capabilities", "drop"))
				}
			}
		})
	case "hostPathVolumes", "restrictedVolumes":
		for i, v := range spec.Volumes {
			if !quoted(d, v.Name) {
				continue
			}
			p := specPath.Child("volumes").Index(i)
			if key := volumeSourceKey(&v.VolumeSource); key != "" {
				p = p.Child(key)
			}
			out = append(out, p)
		}
	case "hostPorts":
		named(func(c containerAt) {
			for j, p := range c.c.Ports {
				if p.HostPort != 0 {
					out = append(out, c.path.Child("ports").Index(j).Child("hostPort"))
				}
			}
		})
	case "hostProbesAndHostLifecycle":
		named(func(c containerAt) {
			probe := func(name string, p *corev1.Probe) {
				if p == nil {
					return
				}
				if p.HTTPGet != nil && p.HTTPGet.Host != "" {
					out = append(out, c.path.Child(name, "httpGet", "host"))
				}
				if p.TCPSocket != nil && p.TCPSocket.Host != "" {
					out = append(out, c.path.Child(name, "tcpSocket", "host"))
				}
			}
			probe("livenessProbe", c.c.LivenessProbe)
			probe("readinessProbe", c.c.ReadinessProbe)
			probe("startupProbe", c.c.StartupProbe)
			if l := c.c.Lifecycle; l != nil {
				for name, h := range map[string]*corev1.LifecycleHandler{"postStart": l.PostStart, "preStop": l.PreStop} {
					if h == nil {
						continue
					}
					if h.HTTPGet != nil && h.HTTPGet.Host != "" {
						out = append(out, c.path.Child("lifecycle", name, "httpGet", "host"))
					}
					if h.TCPSocket != nil && h.TCPSocket.Host != "" {
						out = append(out, c.path.Child("lifecycle", name, "tcpSocket", "host"))
					}
				}
			}
		})
	case "procMount", "procMount_restricted":
		named(func(c containerAt) { out = append(out, sc(c).Child("procMount")) })
	case "allowPrivilegeEscalation":
		named(func(c containerAt) { out = append(out, sc(c).Child("allowPrivilegeEscalation")) })
	case "runAsNonRoot", "runAsUser":
		f := "runAsNonRoot"
		if id == "runAsUser" {
			f = "runAsUser"
		}
		if mentionsPod(d) {
			out = append(out, psc.Child(f))
		}
		named(func(c containerAt) { out = append(out, sc(c).Child(f)) })
	case "seccompProfile_baseline", "seccompProfile_restricted":
		if strings.HasPrefix(d, "forbidden annotation") {
			for _, k := range sortedKeys(meta.Annotations) {
				if strings.Contains(d, k+"=") {
					out = append(out, metaPath.Child("annotations").Key(k))
				}
			}
			break
		}
		if mentionsPod(d) {
			out = append(out, psc.Child("seccompProfile", "type"))
		}
		implicit := strings.HasPrefix(d, "pod or ")
		named(func(c containerAt) {
			if implicit {
				out = append(out, sc(c).Child("seccompProfile"))
			} else {
				out = append(out, sc(c).Child("seccompProfile", "type"))
			}
		})
	case "appArmorProfile":
		for _, k := range sortedKeys(meta.Annotations) {
			if strings.HasPrefix(k, corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix) && strings.Contains(d, k+"=") {
				out = append(out, metaPath.Child("annotations").Key(k))
			}
		}
		if mentionsPod(d) {
			out = append(out, psc.Child("appArmorProfile", "type"))
		}
		named(func(c containerAt) { out = append(out, sc(c).Child("appArmorProfile", "type")) })
	case "seLinuxOptions":
		if mentionsPod(d) {
			out = append(out, psc.Child("seLinuxOptions"))
		}
		named(func(c containerAt) { out = append(out, sc(c).Child("seLinuxOptions")) })
	case "windowsHostProcess":
		if mentionsPod(d) {
			out = append(out, psc.Child("windowsOptions", "hostProcess"))
		}
		named(func(c containerAt) { out = append(out, sc(c).Child("windowsOptions", "hostProcess")) })
	case "sysctls":
		bad := map[string]bool{}
		for _, s := range strings.Split(d, ", ") {
			bad[s] = true
		}
		if spec.SecurityContext != nil {
			for i, s := range spec.SecurityContext.Sysctls {
				if bad[s.Name] {
					out = append(out, psc.Child("sysctls").Index(i).Child("name"))
				}
			}
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// volumeSourceKey returns the JSON name of the volume source that is set.
func volumeSourceKey(vs *corev1.VolumeSource) string {
	v := reflect.ValueOf(vs).Elem()
	for i := 0; i < v.NumField(); i++ {
		if !v.Field(i).IsNil() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			return name
		}
	}
	return ""
}
