// Package apiservertest tests podlint's webhook from the other side of the wire:
// the Kubernetes API server's own validating webhook admission plugin
// (k8s.io/apiserver/pkg/admission/plugin/webhook/validating) calls podlint over
// TLS with a caBundle, as kube-apiserver does, and the test checks what a user
// of the cluster would see: denials with field causes, warnings, namespace
// exemptions, failurePolicy on outages and timeouts, and a wrong CA.
package apiservertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/validating"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/warning"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/podlint/podlint/cmd/podlint/app"
	"github.com/podlint/podlint/internal/testpki"
	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/rules"
	"github.com/podlint/podlint/webhook"
)

// The Service the webhook configuration points at; the API server's client
// sets the TLS server name to <name>.<namespace>.svc, so the serving
// certificate must carry it.
const (
	serviceNamespace = "podlint-system"
	serviceName      = "podlint"
	serverName       = serviceName + "." + serviceNamespace + ".svc"
)

// podlintServer is podlint's webhook server on a loopback port.
type podlintServer struct {
	url   url.URL
	calls atomic.Int32
	stop  func()
}

// startPodlint serves h (counting calls) with a certificate of ca.
func startPodlint(t *testing.T, ca *testpki.CA, h http.Handler) *podlintServer {
	t.Helper()
	dir := t.TempDir()
	certPEM, keyPEM := ca.Serving(t, time.Time{}, time.Time{}, serverName)
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	testpki.Write(t, certFile, certPEM)
	testpki.Write(t, keyFile, keyPEM)
	p := &podlintServer{}
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.calls.Add(1)
		h.ServeHTTP(w, r)
	})
	srv, err := webhook.NewServer(webhook.ServerConfig{Handler: counted, CertFile: certFile, KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.url = url.URL{Scheme: "https", Host: ln.Addr().String()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln, nil); close(done) }()
	var once sync.Once
	p.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(p.stop)
	return p
}

func podlintHandler(t *testing.T, engine *lint.Engine, cfg webhook.Config) http.Handler {
	t.Helper()
	if engine == nil {
		engine = lint.NewEngine(rules.All(), lint.Options{})
	}
	cfg.Engine = engine
	h, err := webhook.NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// resolver stands in for cluster DNS: the Service resolves to the test server.
type resolver struct{ u url.URL }

func (r resolver) ResolveEndpoint(namespace, name string, port int32) (*url.URL, error) {
	if namespace != serviceNamespace || name != serviceName {
		return nil, fmt.Errorf("no service %s/%s", namespace, name)
	}
	u := r.u
	return &u, nil
}

// hook is the ValidatingWebhook the chart installs, with the given failure
// policy, timeout and caBundle.
func hook(policy admissionregistrationv1.FailurePolicyType, timeoutSeconds int32, caBundle []byte) admissionregistrationv1.ValidatingWebhook {
	none := admissionregistrationv1.SideEffectClassNone
	equivalent := admissionregistrationv1.Equivalent
	scope := admissionregistrationv1.NamespacedScope
	path := "/validate"
	port := int32(443)
	return admissionregistrationv1.ValidatingWebhook{
		Name: "pods.podlint.io",
		ClientConfig: admissionregistrationv1.WebhookClientConfig{
			Service:  &admissionregistrationv1.ServiceReference{Namespace: serviceNamespace, Name: serviceName, Path: &path, Port: &port},
			CABundle: caBundle,
		},
		Rules: []admissionregistrationv1.RuleWithOperations{{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
			Rule: admissionregistrationv1.Rule{APIGroups: []string{"", "apps", "batch"}, APIVersions: []string{"v1"},
				Resources: []string{"pods", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs", "replicationcontrollers"},
				Scope:     &scope},
		}},
		NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{serviceNamespace, "kube-system"},
		}}},
		// The API server defaults an absent objectSelector to {} (match all);
		// the plugin reads a nil one as "match nothing".
		ObjectSelector:          &metav1.LabelSelector{},
		FailurePolicy:           &policy,
		MatchPolicy:             &equivalent,
		SideEffects:             &none,
		TimeoutSeconds:          &timeoutSeconds,
		AdmissionReviewVersions: []string{"v1"},
	}
}

// newPlugin builds the API server's validating admission plugin over a fake
// clientset holding the namespaces and the webhook configuration, with
// services resolving to target.
func newPlugin(t *testing.T, target url.URL, hooks ...admissionregistrationv1.ValidatingWebhook) *validating.Plugin {
	t.Helper()
	plugin, err := validating.NewValidatingAdmissionWebhook(nil)
	if err != nil {
		t.Fatal(err)
	}
	var objs []runtime.Object
	for _, ns := range []string{"team-a", "kube-system", serviceNamespace} {
		// The API server labels every namespace with its name.
		objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"kubernetes.io/metadata.name": ns}}})
	}
	objs = append(objs, &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "podlint"}, Webhooks: hooks})
	client := fake.NewClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	plugin.SetServiceResolver(resolver{u: target})
	plugin.SetExternalKubeClientSet(client)
	plugin.SetExternalKubeInformerFactory(factory)
	if err := plugin.ValidateInitialization(); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	factory.Start(stop)
	factory.WaitForCacheSync(stop)
	return plugin
}

// warnings records what the API server would send as Warning headers.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) AddWarning(_, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

var objectInterfaces = admission.NewObjectInterfacesFromScheme(clientgoscheme.Scheme)

// admit sends obj (and old, for an UPDATE) through the plugin as the API
// server does after its own validation, and returns its error and warnings.
func admit(t *testing.T, plugin *validating.Plugin, obj, old runtime.Object, dryRun bool) (error, []string) {
	t.Helper()
	return admitAs(t, plugin, obj, old, dryRun, &user.DefaultInfo{Name: "alice@example.com", Groups: []string{"system:authenticated"}})
}

// admitAs is admit for the request of a given user.
func admitAs(t *testing.T, plugin *validating.Plugin, obj, old runtime.Object, dryRun bool, who user.Info) (error, []string) {
	t.Helper()
	gvks, _, err := clientgoscheme.Scheme.ObjectKinds(obj)
	if err != nil {
		t.Fatal(err)
	}
	gvk := gvks[0]
	resource := map[string]string{"Pod": "pods", "Deployment": "deployments"}[gvk.Kind]
	meta := obj.(metav1.Object)
	op := admission.Create
	var opts runtime.Object = &metav1.CreateOptions{}
	if old != nil {
		op, opts = admission.Update, &metav1.UpdateOptions{}
	}
	attr := admission.NewAttributesRecord(obj, old, gvk, meta.GetNamespace(), meta.GetName(),
		schema.GroupVersionResource{Group: gvk.Group, Version: gvk.Version, Resource: resource}, "", op, opts, dryRun, who)
	rec := &warnings{}
	ctx, cancel := context.WithTimeout(warning.WithWarningRecorder(context.Background(), rec), 30*time.Second)
	defer cancel()
	err = plugin.Validate(ctx, attr, objectInterfaces)
	return err, rec.list
}

// webPod has an init container that never exits (a server image) and a
// containerPort declared twice.
func webPod(ns string) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "proxy", Image: "docker.io/library/nginx:1.27"}},
			Containers: []corev1.Container{
				{Name: "app", Image: "example/app:1.0", Ports: []corev1.ContainerPort{{ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}},
				{Name: "sidecar", Image: "example/side:1.0", Ports: []corev1.ContainerPort{{ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}},
			},
		},
	}
}

func deployment(initCommand []string) *appsv1.Deployment {
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "team-a"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "api"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "api", Image: "example/api:1.0"}}},
			},
		},
	}
	if initCommand != nil {
		d.Spec.Template.Spec.InitContainers = []corev1.Container{{Name: "wait", Image: "busybox:1.36", Command: initCommand}}
	}
	return d
}

func causes(err error) []string {
	var se *apierrors.StatusError
	if !errors.As(err, &se) || se.ErrStatus.Details == nil {
		return nil
	}
	var out []string
	for _, c := range se.ErrStatus.Details.Causes {
		out = append(out, c.Field)
	}
	return out
}

func TestDenyAndWarn(t *testing.T) {
	ca := testpki.NewCA(t, "podlint-ca")
	p := startPodlint(t, ca, podlintHandler(t, nil, webhook.Config{Mode: webhook.ModeWarn,
		RuleModes: map[string]webhook.Mode{"init-container-never-exits": webhook.ModeDeny}}))
	plugin := newPlugin(t, p.url, hook(admissionregistrationv1.Fail, 10, ca.PEM))

	for _, dryRun := range []bool{false, true} {
		t.Run(fmt.Sprintf("dryRun=%v", dryRun), func(t *testing.T) {
			err, ws := admit(t, plugin, webPod("team-a"), nil, dryRun)
			if err == nil {
				t.Fatal("the Pod was admitted")
			}
			if !apierrors.IsInvalid(err) {
				t.Errorf("not an Invalid error (kubectl would not list the causes): %v", err)
			}
			if got := causes(err); len(got) != 1 || got[0] != "spec.initContainers[0].image" {
				t.Errorf("causes at %q", got)
			}
			msg := err.Error()
			for _, want := range []string{`admission webhook "pods.podlint.io" denied the request`, "spec.initContainers[0].image", "(init-container-never-exits)"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			// Warnings reach the user with a denial too.
			if len(ws) != 1 || !strings.Contains(ws[0], "spec.containers[1].ports[0]") || !strings.Contains(ws[0], "(duplicate-container-port)") {
				t.Errorf("warnings %q", ws)
			}
		})
	}

	t.Run("warnings only", func(t *testing.T) {
		d := deployment(nil)
		d.Spec.Template.Spec.Containers = webPod("").Spec.Containers
		err, ws := admit(t, plugin, d, nil, false)
		if err != nil {
			t.Fatalf("denied: %v", err)
		}
		if len(ws) != 1 || !strings.HasPrefix(ws[0], "podlint: spec.template.spec.containers[1].ports[0]: ") {
			t.Errorf("warnings %q", ws)
		}
	})

	t.Run("update", func(t *testing.T) {
		old := deployment([]string{"sleep", "infinity"})
		relabelled := old.DeepCopy()
		relabelled.Labels = map[string]string{"team": "a"}
		if err, ws := admit(t, plugin, relabelled, old, false); err != nil || len(ws) != 0 {
			t.Errorf("a metadata-only update of an existing object: %v %q", err, ws)
		}
		err, _ := admit(t, plugin, old, deployment(nil), false)
		if got := causes(err); len(got) != 1 || got[0] != "spec.template.spec.initContainers[0].command" {
			t.Errorf("adding a never-ending init container: %v (causes %q)", err, got)
		}
	})

	t.Run("namespace exemption", func(t *testing.T) {
		before := p.calls.Load()
		for _, ns := range []string{"kube-system", serviceNamespace} {
			if err, ws := admit(t, plugin, webPod(ns), nil, false); err != nil || len(ws) != 0 {
				t.Errorf("%s: %v %q", ns, err, ws)
			}
		}
		if p.calls.Load() != before {
			t.Error("podlint was called for an exempt namespace")
		}
	})
}

// matchConditions (CEL, evaluated by the API server before calling) keep
// requests away from podlint: here, those of a trusted deployer and those for
// objects labelled podlint.io/skip=true, as the chart's values allow.
func TestMatchConditions(t *testing.T) {
	ca := testpki.NewCA(t, "podlint-ca")
	p := startPodlint(t, ca, podlintHandler(t, nil, webhook.Config{Mode: webhook.ModeDeny}))
	h := hook(admissionregistrationv1.Fail, 10, ca.PEM)
	h.MatchConditions = []admissionregistrationv1.MatchCondition{
		{Name: "not-the-deployer", Expression: `request.userInfo.username != "system:serviceaccount:ci:deployer"`},
		{Name: "not-skipped", Expression: `!has(object.metadata.labels) || !("podlint.io/skip" in object.metadata.labels) || object.metadata.labels["podlint.io/skip"] != "true"`},
	}
	plugin := newPlugin(t, p.url, h)

	if err, _ := admit(t, plugin, webPod("team-a"), nil, false); err == nil {
		t.Fatal("a bad Pod from alice was admitted: matchConditions matched nothing")
	}
	calls := p.calls.Load()
	deployer := &user.DefaultInfo{Name: "system:serviceaccount:ci:deployer", Groups: []string{"system:serviceaccounts"}}
	if err, ws := admitAs(t, plugin, webPod("team-a"), nil, false, deployer); err != nil || len(ws) != 0 {
		t.Errorf("the deployer's request: %v %q", err, ws)
	}
	skipped := webPod("team-a")
	skipped.Labels = map[string]string{"podlint.io/skip": "true"}
	if err, ws := admit(t, plugin, skipped, nil, false); err != nil || len(ws) != 0 {
		t.Errorf("a skipped Pod: %v %q", err, ws)
	}
	if got := p.calls.Load(); got != calls {
		t.Errorf("podlint was called %d times for requests its matchConditions exclude", got-calls)
	}
}

// When podlint is down, failurePolicy decides: Ignore admits, Fail refuses.
func TestPodlintDown(t *testing.T) {
	ca := testpki.NewCA(t, "podlint-ca")
	p := startPodlint(t, ca, podlintHandler(t, nil, webhook.Config{Mode: webhook.ModeDeny}))
	p.stop()
	open := newPlugin(t, p.url, hook(admissionregistrationv1.Ignore, 3, ca.PEM))
	if err, _ := admit(t, open, webPod("team-a"), nil, false); err != nil {
		t.Errorf("failurePolicy Ignore: %v", err)
	}
	closed := newPlugin(t, p.url, hook(admissionregistrationv1.Fail, 3, ca.PEM))
	err, _ := admit(t, closed, webPod("team-a"), nil, false)
	if err == nil || !strings.Contains(err.Error(), "failed calling webhook") {
		t.Errorf("failurePolicy Fail: %v", err)
	}
}

// A slow podlint: the API server gives up at timeoutSeconds; and podlint's own
// deadline, below it, answers first so the error says why.
func TestTimeouts(t *testing.T) {
	ca := testpki.NewCA(t, "podlint-ca")
	slow := &lint.Rule{ID: "test-slow", Category: lint.CategoryPractice, Severity: lint.SeverityWarning, Title: "slow",
		Check: func(*lint.Pass) { time.Sleep(1500 * time.Millisecond) }}
	engine := lint.NewEngine([]*lint.Rule{slow}, lint.Options{})

	p := startPodlint(t, ca, podlintHandler(t, engine, webhook.Config{Timeout: 10 * time.Second}))
	start := time.Now()
	err, _ := admit(t, newPlugin(t, p.url, hook(admissionregistrationv1.Fail, 1, ca.PEM)), webPod("team-a"), nil, false)
	if err == nil || time.Since(start) > 1400*time.Millisecond {
		t.Errorf("API server timeout, Fail: %v after %s", err, time.Since(start))
	}
	if err, _ := admit(t, newPlugin(t, p.url, hook(admissionregistrationv1.Ignore, 1, ca.PEM)), webPod("team-a"), nil, false); err != nil {
		t.Errorf("API server timeout, Ignore: %v", err)
	}

	q := startPodlint(t, ca, podlintHandler(t, engine, webhook.Config{Timeout: 300 * time.Millisecond}))
	err, _ = admit(t, newPlugin(t, q.url, hook(admissionregistrationv1.Fail, 5, ca.PEM)), webPod("team-a"), nil, false)
	if err == nil || !strings.Contains(err.Error(), "deadline of 300ms passed") {
		t.Errorf("podlint's deadline, Fail: %v", err)
	}
}

// A caBundle that did not sign podlint's certificate: every call fails TLS.
func TestWrongCA(t *testing.T) {
	ca, other := testpki.NewCA(t, "podlint-ca"), testpki.NewCA(t, "other-ca")
	p := startPodlint(t, ca, podlintHandler(t, nil, webhook.Config{}))
	err, _ := admit(t, newPlugin(t, p.url, hook(admissionregistrationv1.Fail, 3, other.PEM)), webPod("team-a"), nil, false)
	if err == nil || !strings.Contains(err.Error(), "x509") {
		t.Errorf("wrong CA, Fail: %v", err)
	}
	if p.calls.Load() != 0 {
		t.Error("the handler was reached despite the wrong CA")
	}
	if err, _ := admit(t, newPlugin(t, p.url, hook(admissionregistrationv1.Ignore, 3, other.PEM)), webPod("team-a"), nil, false); err != nil {
		t.Errorf("wrong CA, Ignore: %v", err)
	}
}

// The real command: `podlint webhook serve` with its flags, called by the
// API server's plugin.
func TestServeCommand(t *testing.T) {
	ca := testpki.NewCA(t, "podlint-ca")
	dir := t.TempDir()
	certPEM, keyPEM := ca.Serving(t, time.Time{}, time.Time{}, serverName)
	certFile, keyFile, caFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"), filepath.Join(dir, "ca.crt")
	testpki.Write(t, certFile, certPEM)
	testpki.Write(t, keyFile, keyPEM)
	testpki.Write(t, caFile, ca.PEM)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- app.Run(ctx, app.Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}, []string{"webhook", "serve",
			"--addr", addr, "--metrics-addr", "", "--tls-cert-file", certFile, "--tls-private-key-file", keyFile, "--ca-bundle-file", caFile,
			"--config", filepath.Join(dir, "missing-is-an-error.yaml"), "--mode", "deny"})
	}()
	// A missing --config is a load error: the server runs but is not ready,
	// and answers 503, which the API server treats as a failure.
	target := url.URL{Scheme: "https", Host: addr}
	waitListening(t, addr)
	err, _ = admit(t, newPlugin(t, target, hook(admissionregistrationv1.Fail, 3, ca.PEM)), webPod("team-a"), nil, false)
	if err == nil || !strings.Contains(err.Error(), "failed calling webhook") {
		t.Errorf("not ready, Fail: %v", err)
	}
	cancel()
	if code := <-done; code != app.ExitClean {
		t.Fatalf("exit %d", code)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go func() {
		done <- app.Run(ctx, app.Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}, []string{"webhook", "serve",
			"--addr", addr, "--metrics-addr", "", "--tls-cert-file", certFile, "--tls-private-key-file", keyFile, "--ca-bundle-file", caFile,
			"--mode", "deny", "--rule-mode", "duplicate-container-port=warn"})
	}()
	waitListening(t, addr)
	err, ws := admit(t, newPlugin(t, target, hook(admissionregistrationv1.Fail, 3, ca.PEM)), webPod("team-a"), nil, false)
	if got := causes(err); len(got) != 1 || got[0] != "spec.initContainers[0].image" || len(ws) != 1 {
		t.Errorf("serve: %v, causes %q, warnings %q", err, got, ws)
	}
	cancel()
	if code := <-done; code != app.ExitClean {
		t.Fatalf("exit %d", code)
	}
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("nothing listens on %s", addr)
}
