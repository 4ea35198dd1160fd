// Package bench generates the corpus of realistic Kubernetes manifests that
// podlint's speed measurement (BenchmarkCheckCorpus, make bench) runs over.
package bench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Options configure Generate.
type Options struct {
	// Objects is the number of manifests (Kubernetes objects, one per YAML document) to write.
	Objects int
	// Seed makes the corpus reproducible: the same Options write the same bytes.
	Seed uint64
	// MistakeRate is the share of workloads carrying one typical mistake; zero means 4%.
	MistakeRate float64
}

// Stats counts what Generate wrote.
type Stats struct {
	Files   int `json:"files"`
	Objects int `json:"objects"`
	// Workloads are the objects podlint checks (Pods and kinds with a pod template).
	Workloads int `json:"workloads"`
	// Others are objects of kinds podlint skips (Services, ConfigMaps).
	Others int `json:"others"`
	// Mistakes are the planted errors, one error finding each.
	Mistakes int `json:"mistakes"`
	// Discarded are the planted repeated keys: kubectl keeps the later value, so
	// each is one warning (duplicate-key), not an error.
	Discarded int `json:"discarded"`
}

// filesPerDir keeps directories small, as in a repository of many services.
const filesPerDir = 100

// Generate writes opts.Objects manifests as YAML files under dir (created if
// needed): about 40% of the files hold several documents (an application's
// workloads with its Service or ConfigMap), the rest one object each; about three
// in four objects are workloads.
func Generate(dir string, opts Options) (Stats, error) {
	if opts.MistakeRate == 0 {
		opts.MistakeRate = 0.04
	}
	g := &gen{rnd: rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15)), mistakeRate: opts.MistakeRate}
	var st Stats
	for st.Objects < opts.Objects {
		left := opts.Objects - st.Objects
		app := g.app(st.Files)
		var docs []string
		if g.rnd.IntN(5) < 3 || left == 1 {
			docs = append(docs, g.object(app, &st))
		} else {
			n := min(left, 2+g.rnd.IntN(3))
			docs = append(docs, g.workload(app, &st))
			for i := 1; i < n; i++ {
				if g.rnd.IntN(2) == 0 {
					docs = append(docs, g.workload(app, &st))
				} else {
					docs = append(docs, g.other(app, &st))
				}
			}
		}
		sub := filepath.Join(dir, fmt.Sprintf("team-%03d", st.Files/filesPerDir))
		if st.Files%filesPerDir == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return st, err
			}
		}
		var b strings.Builder
		for i, d := range docs {
			if i > 0 || g.rnd.IntN(4) == 0 {
				b.WriteString("---\n")
			}
			b.WriteString(d)
		}
		name := filepath.Join(sub, fmt.Sprintf("%s-%05d.yaml", app.name, st.Files))
		if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
			return st, err
		}
		st.Files++
	}
	return st, nil
}

type gen struct {
	rnd         *rand.Rand
	mistakeRate float64
}

type application struct {
	name, namespace, team, version string
	port                           int
}

var (
	services   = []string{"checkout", "payments", "search", "catalog", "auth", "gateway", "orders", "inventory", "billing", "notifications", "profile", "reports", "shipping", "recommendations", "media", "ledger"}
	teams      = []string{"storefront", "platform", "data", "identity", "fulfilment", "finance"}
	namespaces = []string{"default", "prod", "staging", "shop", "platform", "data", "batch"}
	baseImages = []string{"nginx:1.27.3", "redis:7.4.1", "postgres:16.6", "envoyproxy/envoy:v1.32.1", "busybox:1.37", "grafana/promtail:3.3.0", "otel/opentelemetry-collector:0.115.1"}
)

func (g *gen) pick(list []string) string { return list[g.rnd.IntN(len(list))] }

func (g *gen) chance(p float64) bool { return g.rnd.Float64() < p }

func (g *gen) app(n int) application {
	return application{
		name:      fmt.Sprintf("%s-%d", g.pick(services), n%997),
		namespace: g.pick(namespaces),
		team:      g.pick(teams),
		version:   fmt.Sprintf("%d.%d.%d", 1+g.rnd.IntN(4), g.rnd.IntN(20), g.rnd.IntN(10)),
		port:      []int{8080, 8443, 9090, 3000, 5000}[g.rnd.IntN(5)],
	}
}

// object writes one object of any kind, in the corpus's mix.
func (g *gen) object(a application, st *Stats) string {
	if g.rnd.IntN(10) == 0 {
		return g.other(a, st)
	}
	return g.workload(a, st)
}

// other writes a Service or a ConfigMap: kinds podlint skips.
func (g *gen) other(a application, st *Stats) string {
	st.Objects++
	st.Others++
	w := &writer{}
	if g.rnd.IntN(3) == 0 {
		w.line(0, "apiVersion: v1")
		w.line(0, "kind: ConfigMap")
		g.meta(w, 0, a, a.name+"-config")
		w.line(0, "data:")
		w.line(1, "LOG_LEVEL: %s", g.pick([]string{"info", "debug", "warn"}))
		w.line(1, "FEATURE_FLAGS: %q", "search-v2,new-checkout")
		w.line(1, "config.yaml: |")
		w.line(2, "server:")
		w.line(3, "port: %d", a.port)
		w.line(3, "timeout: 30s")
		w.line(2, "upstreams:")
		for i := 0; i < 1+g.rnd.IntN(4); i++ {
			w.line(3, "- name: %s", g.pick(services))
			w.line(4, "url: http://%s.%s.svc.cluster.local:8080", g.pick(services), a.namespace)
		}
		return w.String()
	}
	w.line(0, "apiVersion: v1")
	w.line(0, "kind: Service")
	g.meta(w, 0, a, a.name)
	w.line(0, "spec:")
	w.line(1, "type: %s", g.pick([]string{"ClusterIP", "ClusterIP", "ClusterIP", "NodePort", "LoadBalancer"}))
	w.line(1, "selector:")
	w.line(2, "app.kubernetes.io/name: %s", a.name)
	w.line(1, "ports:")
	w.line(2, "- name: http")
	w.line(3, "port: 80")
	w.line(3, "targetPort: http")
	w.line(3, "protocol: TCP")
	if g.chance(0.3) {
		w.line(2, "- name: metrics")
		w.line(3, "port: 9102")
		w.line(3, "targetPort: 9102")
	}
	return w.String()
}

type mistake int

const (
	noMistake         mistake = iota
	unknownField              // imagePullpolicy (typo of imagePullPolicy)
	portAsString              // containerPort: "8080"
	envValueNumber            // value: 8080 where a string is required
	duplicateKey              // image: twice in one container
	duplicateName             // two containers with the same name
	wrongRestart              // a Job with restartPolicy: Always
	removedAPIVersion         // Deployment under extensions/v1beta1
	numMistakes
)

// workload writes one object podlint checks.
func (g *gen) workload(a application, st *Stats) string {
	st.Objects++
	st.Workloads++
	m := noMistake
	if g.chance(g.mistakeRate) {
		m = mistake(1 + g.rnd.IntN(int(numMistakes)-1))
		if m == duplicateKey {
			st.Discarded++
		} else {
			st.Mistakes++
		}
	}
	w := &writer{}
	kind := g.pick([]string{"Deployment", "Deployment", "Deployment", "Deployment", "Deployment", "StatefulSet", "StatefulSet", "DaemonSet", "Job", "Job", "CronJob", "CronJob", "Pod"})
	if m == wrongRestart {
		kind = "Job"
	}
	if m == removedAPIVersion {
		kind = "Deployment"
	}
	batch := kind == "Job" || kind == "CronJob"
	if m == portAsString && batch {
		m = envValueNumber // batch containers here serve no ports
	}
	apiVersion := map[string]string{"Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "Job": "batch/v1", "CronJob": "batch/v1", "Pod": "v1"}[kind]
	if m == removedAPIVersion {
		apiVersion = "extensions/v1beta1"
	}
	w.line(0, "apiVersion: %s", apiVersion)
	w.line(0, "kind: %s", kind)
	g.meta(w, 0, a, a.name)
	if kind == "Pod" {
		w.line(0, "spec:")
		g.podSpec(w, 1, a, batch, m)
		return w.String()
	}
	w.line(0, "spec:")
	in := 1
	switch kind {
	case "Deployment":
		w.line(1, "replicas: %d", 1+g.rnd.IntN(6))
		w.line(1, "revisionHistoryLimit: 5")
		g.selector(w, 1, a)
		w.line(1, "strategy:")
		w.line(2, "type: RollingUpdate")
		w.line(2, "rollingUpdate:")
		w.line(3, "maxSurge: %s", g.pick([]string{"25%", "1", "50%"}))
		w.line(3, "maxUnavailable: %s", g.pick([]string{"0", "25%", "1"}))
	case "StatefulSet":
		w.line(1, "serviceName: %s", a.name)
		w.line(1, "replicas: %d", 1+2*g.rnd.IntN(3))
		w.line(1, "podManagementPolicy: %s", g.pick([]string{"OrderedReady", "Parallel"}))
		g.selector(w, 1, a)
		w.line(1, "volumeClaimTemplates:")
		w.line(2, "- metadata:")
		w.line(4, "name: data")
		w.line(3, "spec:")
		w.line(4, "accessModes: [ReadWriteOnce]")
		w.line(4, "storageClassName: %s", g.pick([]string{"standard", "ssd", "gp3"}))
		w.line(4, "resources:")
		w.line(5, "requests:")
		w.line(6, "storage: %dGi", 1<<g.rnd.IntN(8))
	case "DaemonSet":
		g.selector(w, 1, a)
		w.line(1, "updateStrategy:")
		w.line(2, "type: RollingUpdate")
		w.line(2, "rollingUpdate:")
		w.line(3, "maxUnavailable: 1")
	case "Job":
		w.line(1, "backoffLimit: %d", g.rnd.IntN(7))
		w.line(1, "completions: %d", 1+g.rnd.IntN(3))
		w.line(1, "ttlSecondsAfterFinished: 3600")
	case "CronJob":
		w.line(1, "schedule: %q", fmt.Sprintf("%d %d * * *", g.rnd.IntN(60), g.rnd.IntN(24)))
		w.line(1, "concurrencyPolicy: %s", g.pick([]string{"Forbid", "Replace", "Allow"}))
		w.line(1, "successfulJobsHistoryLimit: 3")
		w.line(1, "failedJobsHistoryLimit: 1")
		w.line(1, "jobTemplate:")
		w.line(2, "spec:")
		w.line(3, "backoffLimit: 2")
		w.line(3, "activeDeadlineSeconds: 1800")
		in = 3
	}
	w.line(in, "template:")
	w.line(in+1, "metadata:")
	w.line(in+2, "labels:")
	g.labels(w, in+3, a)
	if g.chance(0.6) {
		w.line(in+2, "annotations:")
		w.line(in+3, "prometheus.io/scrape: \"true\"")
		w.line(in+3, "prometheus.io/port: \"9102\"")
		if g.chance(0.3) {
			w.line(in+3, "kubectl.kubernetes.io/default-container: %s", a.name)
		}
	}
	w.line(in+1, "spec:")
	g.podSpec(w, in+2, a, batch, m)
	return w.String()
}

func (g *gen) meta(w *writer, in int, a application, name string) {
	w.line(in, "metadata:")
	w.line(in+1, "name: %s", name)
	w.line(in+1, "namespace: %s", a.namespace)
	w.line(in+1, "labels:")
	g.labels(w, in+2, a)
	w.line(in+2, "app.kubernetes.io/version: %q", a.version)
	w.line(in+2, "app.kubernetes.io/managed-by: %s", g.pick([]string{"Helm", "kustomize", "argocd"}))
	if g.chance(0.4) {
		w.line(in+1, "annotations:")
		w.line(in+2, "team.example.com/owner: %s", a.team)
		w.line(in+2, "team.example.com/runbook: https://runbooks.example.com/%s", a.name)
	}
}

func (g *gen) labels(w *writer, in int, a application) {
	w.line(in, "app.kubernetes.io/name: %s", a.name)
	w.line(in, "app.kubernetes.io/part-of: %s", a.team)
}

func (g *gen) selector(w *writer, in int, a application) {
	w.line(in, "selector:")
	w.line(in+1, "matchLabels:")
	w.line(in+2, "app.kubernetes.io/name: %s", a.name)
}

func (g *gen) podSpec(w *writer, in int, a application, batch bool, m mistake) {
	switch {
	case m == wrongRestart:
		w.line(in, "restartPolicy: Always")
	case batch:
		w.line(in, "restartPolicy: %s", g.pick([]string{"OnFailure", "Never"}))
	}
	w.line(in, "serviceAccountName: %s", a.name)
	if g.chance(0.5) {
		w.line(in, "terminationGracePeriodSeconds: %d", 30+10*g.rnd.IntN(6))
	}
	w.line(in, "securityContext:")
	w.line(in+1, "runAsNonRoot: true")
	w.line(in+1, "runAsUser: %d", 1000+g.rnd.IntN(9000))
	w.line(in+1, "fsGroup: 2000")
	w.line(in+1, "seccompProfile:")
	w.line(in+2, "type: RuntimeDefault")
	if g.chance(0.3) {
		w.line(in, "nodeSelector:")
		w.line(in+1, "kubernetes.io/os: linux")
		w.line(in+1, "node.kubernetes.io/instance-type: %s", g.pick([]string{"m5.large", "c6i.xlarge", "n2-standard-4"}))
	}
	if g.chance(0.2) {
		w.line(in, "tolerations:")
		w.line(in+1, "- key: dedicated")
		w.line(in+2, "operator: Equal")
		w.line(in+2, "value: %s", a.team)
		w.line(in+2, "effect: NoSchedule")
	}
	if g.chance(0.2) {
		w.line(in, "affinity:")
		w.line(in+1, "podAntiAffinity:")
		w.line(in+2, "preferredDuringSchedulingIgnoredDuringExecution:")
		w.line(in+3, "- weight: 100")
		w.line(in+4, "podAffinityTerm:")
		w.line(in+5, "topologyKey: kubernetes.io/hostname")
		w.line(in+5, "labelSelector:")
		w.line(in+6, "matchLabels:")
		w.line(in+7, "app.kubernetes.io/name: %s", a.name)
	}
	if g.chance(0.3) {
		w.line(in, "initContainers:")
		if g.chance(0.5) {
			g.container(w, in+1, a, "wait-for-db", "busybox:1.37", roleInit, noMistake)
		} else {
			g.container(w, in+1, a, "migrate", fmt.Sprintf("registry.example.com/%s/%s-migrations:%s", a.team, a.name, a.version), roleInit, noMistake)
		}
	}
	w.line(in, "containers:")
	main := roleServer
	if batch {
		main = roleBatch
	}
	g.container(w, in+1, a, a.name, fmt.Sprintf("registry.example.com/%s/%s:%s", a.team, a.name, a.version), main, m)
	if g.chance(0.35) || m == duplicateName {
		name := g.pick([]string{"envoy", "log-shipper", "otel-agent"})
		if m == duplicateName {
			name = a.name
		}
		g.container(w, in+1, a, name, g.pick(baseImages), roleSidecar, noMistake)
	}
	w.line(in, "volumes:")
	w.line(in+1, "- name: config")
	w.line(in+2, "configMap:")
	w.line(in+3, "name: %s-config", a.name)
	w.line(in+1, "- name: tmp")
	w.line(in+2, "emptyDir:")
	w.line(in+3, "sizeLimit: 256Mi")
	if g.chance(0.4) {
		w.line(in+1, "- name: tls")
		w.line(in+2, "secret:")
		w.line(in+3, "secretName: %s-tls", a.name)
		w.line(in+3, "defaultMode: 0400")
	}
}

// role is what a container does in its Pod; it decides ports, probes and command.
type role int

const (
	roleServer  role = iota // the application: ports and probes
	roleSidecar             // a proxy or agent next to it
	roleBatch               // the work of a Job
	roleInit                // runs to completion before the others start
)

func (g *gen) container(w *writer, in int, a application, name, image string, r role, m mistake) {
	server := r == roleServer
	w.line(in, "- name: %s", name)
	in++
	w.line(in, "image: %s", image)
	if m == duplicateKey {
		w.line(in, "image: %s", image)
	}
	if m == unknownField {
		w.line(in, "imagePullpolicy: IfNotPresent")
	} else {
		w.line(in, "imagePullPolicy: IfNotPresent")
	}
	switch {
	case r == roleInit && name == "wait-for-db":
		w.line(in, "command: [\"sh\", \"-c\", \"until nc -z %s-db 5432; do sleep 2; done\"]", a.name)
	case r == roleInit:
		w.line(in, "args: [\"migrate\", \"--to\", \"latest\"]")
	case r == roleBatch || (r == roleSidecar && g.chance(0.5)):
		w.line(in, "command: [\"/bin/sh\", \"-c\"]")
		w.line(in, "args:")
		w.line(in+1, "- exec /app/run --config /etc/app/config.yaml")
	}
	if server {
		w.line(in, "ports:")
		w.line(in+1, "- name: http")
		if m == portAsString {
			w.line(in+2, "containerPort: \"%d\"", a.port)
		} else {
			w.line(in+2, "containerPort: %d", a.port)
		}
		w.line(in+2, "protocol: TCP")
		w.line(in+1, "- name: metrics")
		w.line(in+2, "containerPort: 9102")
	}
	w.line(in, "env:")
	namespaceSet := false // a name defined twice is an API server warning, not what people write
	for i, n := 0, 2+g.rnd.IntN(6); i < n; i++ {
		kind := g.rnd.IntN(4)
		if kind == 1 && namespaceSet {
			kind = 2
		}
		switch kind {
		case 0:
			w.line(in+1, "- name: DB_PASSWORD_%d", i)
			w.line(in+2, "valueFrom:")
			w.line(in+3, "secretKeyRef:")
			w.line(in+4, "name: %s-db", a.name)
			w.line(in+4, "key: password")
		case 1:
			namespaceSet = true
			w.line(in+1, "- name: POD_NAMESPACE")
			w.line(in+2, "valueFrom:")
			w.line(in+3, "fieldRef:")
			w.line(in+4, "fieldPath: metadata.namespace")
		default:
			w.line(in+1, "- name: SETTING_%d", i)
			w.line(in+2, "value: %q", g.pick([]string{"true", "info", "30s", "https://api.example.com"}))
		}
	}
	if m == envValueNumber {
		w.line(in+1, "- name: PORT")
		w.line(in+2, "value: %d", a.port)
	}
	if g.chance(0.3) {
		w.line(in, "envFrom:")
		w.line(in+1, "- configMapRef:")
		w.line(in+3, "name: %s-config", a.name)
	}
	w.line(in, "resources:")
	w.line(in+1, "requests:")
	w.line(in+2, "cpu: %dm", 50*(1+g.rnd.IntN(10)))
	// A limit is never below its request: the API server rejects that.
	memShift := g.rnd.IntN(5)
	w.line(in+2, "memory: %dMi", 64<<memShift)
	w.line(in+1, "limits:")
	if g.chance(0.5) {
		w.line(in+2, "cpu: %d", 1+g.rnd.IntN(2))
	}
	w.line(in+2, "memory: %dMi", 128<<(memShift+g.rnd.IntN(2)))
	if server {
		w.line(in, "readinessProbe:")
		w.line(in+1, "httpGet:")
		w.line(in+2, "path: /healthz/ready")
		w.line(in+2, "port: http")
		w.line(in+1, "periodSeconds: 10")
		w.line(in+1, "failureThreshold: 3")
		w.line(in, "livenessProbe:")
		if g.chance(0.7) {
			w.line(in+1, "httpGet:")
			w.line(in+2, "path: /healthz/live")
			w.line(in+2, "port: %d", a.port)
		} else {
			w.line(in+1, "tcpSocket:")
			w.line(in+2, "port: http")
		}
		w.line(in+1, "initialDelaySeconds: 10")
		w.line(in+1, "timeoutSeconds: 2")
		if g.chance(0.3) {
			w.line(in, "startupProbe:")
			w.line(in+1, "exec:")
			w.line(in+2, "command: [\"/app/healthcheck\", \"--startup\"]")
			w.line(in+1, "failureThreshold: 30")
			w.line(in+1, "periodSeconds: 5")
		}
	}
	w.line(in, "volumeMounts:")
	w.line(in+1, "- name: config")
	w.line(in+2, "mountPath: /etc/app")
	w.line(in+2, "readOnly: true")
	w.line(in+1, "- name: tmp")
	w.line(in+2, "mountPath: /tmp")
	w.line(in, "securityContext:")
	w.line(in+1, "allowPrivilegeEscalation: false")
	w.line(in+1, "readOnlyRootFilesystem: true")
	w.line(in+1, "capabilities:")
	w.line(in+2, "drop: [ALL]")
}

// writer builds YAML with two-space indentation, the way kubectl and Helm print it.
type writer struct{ strings.Builder }

func (w *writer) line(indent int, format string, args ...any) {
	for i := 0; i < indent; i++ {
		w.WriteString("  ")
	}
	fmt.Fprintf(w, format, args...)
	w.WriteByte('\n')
}
