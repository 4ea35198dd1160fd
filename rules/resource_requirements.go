package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var resourceRequirements = &lint.Rule{
	ID:       "resource-requirements",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Container requests and limits must be valid",
	Doc: "A container may request and limit cpu, memory, ephemeral-storage and hugepages-<size>, or an extended resource with a domain " +
		"prefix (example.com/gpu); other unprefixed names are rejected. Quantities may not be negative, and extended resources must be whole " +
		"numbers. A request may not exceed its limit, and resources that cannot be overcommitted (hugepages and extended resources) need a limit " +
		"equal to the request. Hugepages also need a cpu or memory request or limit. On a Pod (not a template) the API server first copies each " +
		"limit into a missing request. Pod-level resources (spec.resources, the PodLevelResources feature) accept only cpu, memory and " +
		"hugepages-<size>, no claims and no Windows Pod; an explicit pod-level request must cover what the containers request together " +
		"(app containers and sidecars added up, or the largest init container beside the sidecars before it), and no container may have a " +
		"higher limit than the Pod.",
	Remediation: "Keep each request at or below its limit, use standard or domain-prefixed resource names and non-negative quantities.",
	Fields:      []string{"containers[*].resources", "initContainers[*].resources", "resources"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			if c.Kind == ephemeralContainer {
				continue
			}
			checkResources(p, c.Resources, c.Path.Child("resources"), p.Object.IsPod())
		}
		if p.Release.Enabled(lint.GatePodLevelResources) {
			checkPodResources(p)
		}
	},
}

// checkPodResources validates pod-level resources (spec.resources): only cpu,
// memory and hugepages-<size>, no claims, not on Windows, the same request and
// limit rules as a container's, explicit requests at least what the containers
// request together, and no container limit above the Pod's.
func checkPodResources(p *lint.Pass) {
	spec := p.Object.PodSpec
	r := spec.Resources
	if r == nil {
		return
	}
	path := p.Object.PodSpecPath.Child("resources")
	if spec.OS != nil && spec.OS.Name == corev1.Windows {
		p.Report(path, field.ErrorTypeForbidden, nil, "pod-level resources may not be set for a Windows Pod", "")
		return
	}
	if r.Claims != nil {
		p.Report(path.Child("claims"), field.ErrorTypeForbidden, nil, "resource claims cannot be set in pod-level resources; set them on containers", "")
	}
	agg := aggregateRequests(spec, p.Object.IsPod())
	requests := r.Requests
	if p.Object.IsPod() && len(r.Limits) > 0 {
		// A Pod's missing pod-level request defaults to what its containers request
		// together (cpu, memory) or else to the pod-level limit, before validation.
		requests = corev1.ResourceList{}
		for k, v := range r.Requests {
			requests[k] = v
		}
		for k, lim := range r.Limits {
			if _, ok := requests[k]; ok || !podLevelResource(string(k)) {
				continue
			}
			if sum, ok := agg[k]; ok && overcommitAllowed(string(k)) {
				requests[k] = sum
			} else {
				requests[k] = lim
			}
		}
	}
	checkResources(p, corev1.ResourceRequirements{Limits: r.Limits, Requests: requests}, path, false)
	for _, l := range []struct {
		list corev1.ResourceList
		path *field.Path
	}{{r.Limits, path.Child("limits")}, {r.Requests, path.Child("requests")}} {
		for _, name := range sortedMapKeys(l.list) {
			if len(validation.IsQualifiedName(name)) == 0 && !podLevelResource(name) {
				p.Report(l.path.Key(name), field.ErrorTypeNotSupported, name,
					fmt.Sprintf("resource %q cannot be set for the whole Pod: pod-level resources are cpu, memory and hugepages-<size>", name),
					"Move the resource to the containers that use it.")
			}
		}
	}
	for _, name := range sortedMapKeys(r.Requests) {
		q := r.Requests[corev1.ResourceName(name)]
		if sum, ok := agg[corev1.ResourceName(name)]; ok && sum.Cmp(q) > 0 {
			p.Report(path.Child("requests").Key(name), field.ErrorTypeInvalid, q.String(),
				fmt.Sprintf("pod-level %s request %s is less than its containers request together (%s)", name, q.String(), sum.String()),
				"Raise the pod-level request, or leave it out to default it.")
		}
	}
	for i, c := range spec.Containers {
		for _, name := range sortedMapKeys(c.Resources.Limits) {
			lim := c.Resources.Limits[corev1.ResourceName(name)]
			if podLim, ok := r.Limits[corev1.ResourceName(name)]; ok && lim.Cmp(podLim) > 0 {
				// The API server names this field path.resources.containers[i][name].limits.
				p.Report(path.Child("containers").Index(i).Key(name).Child("limits"), field.ErrorTypeInvalid, lim.String(),
					fmt.Sprintf("container %q's %s limit %s is more than the Pod's limit %s", c.Name, name, lim.String(), podLim.String()), "")
			}
		}
	}
}

// podLevelResource reports whether the API server accepts name in spec.resources.
func podLevelResource(name string) bool {
	return name == "cpu" || name == "memory" || strings.HasPrefix(name, corev1.ResourceHugePagesPrefix)
}

// aggregateRequests is what the containers of a Pod request together, as the
// scheduler counts it: app containers and sidecars add up, and each regular init
// container, which runs alone beside the sidecars started before it, may need
// more. On a Pod, a container's missing request defaults to its limit.
func aggregateRequests(spec *corev1.PodSpec, pod bool) corev1.ResourceList {
	requests := func(c *corev1.Container) corev1.ResourceList {
		out := corev1.ResourceList{}
		if pod {
			for k, v := range c.Resources.Limits {
				out[k] = v
			}
		}
		for k, v := range c.Resources.Requests {
			out[k] = v
		}
		return out
	}
	add := func(into, from corev1.ResourceList) {
		for k, v := range from {
			q := into[k]
			q.Add(v)
			into[k] = q
		}
	}
	total := corev1.ResourceList{}
	for i := range spec.Containers {
		add(total, requests(&spec.Containers[i]))
	}
	sidecars := corev1.ResourceList{}
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		if isSidecar(c) {
			add(sidecars, requests(c))
			add(total, requests(c))
			continue
		}
		need := corev1.ResourceList{}
		add(need, sidecars)
		add(need, requests(c))
		for k, v := range need {
			if q, ok := total[k]; !ok || v.Cmp(q) > 0 {
				total[k] = v
			}
		}
	}
	return total
}

func checkResources(p *lint.Pass, r corev1.ResourceRequirements, path *field.Path, defaultRequests bool) {
	limPath, reqPath := path.Child("limits"), path.Child("requests")
	requests := r.Requests
	if defaultRequests && len(r.Limits) > 0 {
		requests = corev1.ResourceList{}
		for k, v := range r.Limits {
			requests[k] = v
		}
		for k, v := range r.Requests {
			requests[k] = v
		}
	}
	cpuOrMem, huge := false, false
	for _, name := range sortedMapKeys(r.Limits) {
		q := r.Limits[corev1.ResourceName(name)]
		checkResourceName(p, name, limPath.Key(name))
		checkQuantity(p, name, q, limPath.Key(name))
		if strings.HasPrefix(name, corev1.ResourceHugePagesPrefix) {
			huge = true
		}
		if name == "cpu" || name == "memory" {
			cpuOrMem = true
		}
	}
	for _, name := range sortedMapKeys(requests) {
		q := requests[corev1.ResourceName(name)]
		checkResourceName(p, name, reqPath.Key(name))
		checkQuantity(p, name, q, reqPath.Key(name))
		if lim, ok := r.Limits[corev1.ResourceName(name)]; ok {
			if q.Cmp(lim) != 0 && !overcommitAllowed(name) {
				p.Report(reqPath, field.ErrorTypeInvalid, q.String(),
					fmt.Sprintf("%s request %s must equal its limit %s: %s cannot be overcommitted", name, q.String(), name, lim.String()),
					"Set the request equal to the limit.")
			} else if q.Cmp(lim) > 0 {
				p.Report(reqPath, field.ErrorTypeInvalid, q.String(),
					fmt.Sprintf("%s request %s is more than its limit %s: a container cannot be guaranteed more than it may use", name, q.String(), lim.String()),
					"Lower the request or raise the limit.")
			}
		} else if !overcommitAllowed(name) {
			p.Report(limPath, field.ErrorTypeRequired, nil,
				fmt.Sprintf("%s is requested without a limit: it cannot be overcommitted, so the limit must be set (equal to the request)", name),
				"Set the limit equal to the request.")
		}
		if strings.HasPrefix(name, corev1.ResourceHugePagesPrefix) {
			huge = true
		}
		if name == "cpu" || name == "memory" {
			cpuOrMem = true
		}
	}
	if huge && !cpuOrMem {
		p.Report(path, field.ErrorTypeForbidden, nil, "hugepages require a cpu or memory request or limit", "Add a memory limit.")
	}
}

// nativeResource: no domain, or the kubernetes.io domain.
func nativeResource(name string) bool {
	return !strings.Contains(name, "/") || strings.Contains(name, "kubernetes.io/")
}

func overcommitAllowed(name string) bool {
	return nativeResource(name) && !strings.HasPrefix(name, corev1.ResourceHugePagesPrefix)
}

func extendedResource(name string) bool {
	if nativeResource(name) || strings.HasPrefix(name, "requests.") {
		return false
	}
	return len(validation.IsQualifiedName("requests."+name)) == 0
}

func checkResourceName(p *lint.Pass, name string, path *field.Path) {
	if msgs := validation.IsQualifiedName(name); len(msgs) > 0 {
		p.Report(path, field.ErrorTypeInvalid, name, fmt.Sprintf("resource name %q is not a qualified name: %s", name, strings.Join(msgs, "; ")), "")
		return
	}
	if !strings.Contains(name, "/") {
		standard := name == "cpu" || name == "memory" || name == "ephemeral-storage" || strings.HasPrefix(name, corev1.ResourceHugePagesPrefix)
		quota := contains([]string{"requests.cpu", "requests.memory", "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage",
			"pods", "resourcequotas", "services", "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims", "storage",
			"requests.storage", "services.nodeports", "services.loadbalancers"}, name) || strings.HasPrefix(name, "requests.hugepages-")
		if !standard {
			what := "is not a standard resource for containers"
			if !quota {
				what = "is neither a standard resource type nor fully qualified"
			}
			p.Report(path, field.ErrorTypeInvalid, name,
				fmt.Sprintf("resource %q %s: containers use cpu, memory, ephemeral-storage, hugepages-<size> or a domain-prefixed name", name, what), "")
		}
		return
	}
	if !nativeResource(name) && !extendedResource(name) {
		p.Report(path, field.ErrorTypeInvalid, name, fmt.Sprintf("resource %q does not follow the extended resource name standard", name), "")
	}
}

func checkQuantity(p *lint.Pass, name string, q resource.Quantity, path *field.Path) {
	if q.Sign() < 0 {
		p.Report(path, field.ErrorTypeInvalid, q.String(), fmt.Sprintf("%s quantity %s must be greater than or equal to 0", name, q.String()), "")
	}
	integer := contains([]string{"pods", "resourcequotas", "services", "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims", "services.nodeports", "services.loadbalancers"}, name) || extendedResource(name)
	if integer && q.MilliValue()%1000 != 0 {
		p.Report(path, field.ErrorTypeInvalid, q.String(), fmt.Sprintf("%s quantity %s must be a whole number", name, q.String()), "")
	}
}
