package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/rules"
	"github.com/podlint/podlint/webhook"
)

const testdata = "../testdata/webhook"

func newHandler(t testing.TB, cfg webhook.Config) http.Handler {
	t.Helper()
	if cfg.Engine == nil {
		cfg.Engine = lint.NewEngine(rules.All(), lint.Options{})
	}
	h, err := webhook.NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func post(h http.Handler, contentType string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// render is the golden form of a response: the status line, then the body
// (indented when it is JSON).
func render(rec *httptest.ResponseRecorder) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP %d %s\n", rec.Code, rec.Header().Get("Content-Type"))
	var v any
	if json.Unmarshal(rec.Body.Bytes(), &v) == nil {
		out, _ := json.MarshalIndent(v, "", "  ")
		b.Write(out)
		b.WriteByte('\n')
	} else {
		b.Write(rec.Body.Bytes())
	}
	return b.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(testdata, name+".golden")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (UPDATE_GOLDEN=1 go test ./webhook/ writes it; read it before committing)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestHandlerGolden(t *testing.T) {
	for _, tc := range []struct {
		name, request string
		mode          webhook.Mode
		ruleModes     map[string]webhook.Mode
		// want checks the behaviour behind the golden, so a regenerated golden
		// cannot quietly flip a decision.
		allowed      bool
		warnings     int
		denyCauses   []string
		warningHasID string
	}{
		{name: "allow", request: "create-clean", allowed: true},
		{name: "warn", request: "create-pod", allowed: true, warnings: 2, warningHasID: "init-container-never-exits"},
		{name: "deny", request: "create-pod", ruleModes: map[string]webhook.Mode{"init-container-never-exits": webhook.ModeDeny},
			denyCauses: []string{"spec.initContainers[0].image"}, warnings: 1, warningHasID: "duplicate-container-port"},
		{name: "deny-all", request: "create-pod", mode: webhook.ModeDeny,
			denyCauses: []string{"spec.initContainers[0].image", "spec.containers[1].ports[0]"}, warnings: 0},
		{name: "deny-dry-run", request: "create-pod-dry-run", ruleModes: map[string]webhook.Mode{"init-container-never-exits": webhook.ModeDeny},
			denyCauses: []string{"spec.initContainers[0].image"}, warnings: 1},
		{name: "audit", request: "create-pod", mode: webhook.ModeAudit, allowed: true},
		{name: "rule-audit", request: "create-pod", ruleModes: map[string]webhook.Mode{"duplicate-container-port": webhook.ModeAudit}, allowed: true, warnings: 1},
		{name: "owned-pod", request: "create-owned-pod", mode: webhook.ModeDeny, allowed: true},
		{name: "other-kind", request: "create-service", mode: webhook.ModeDeny, allowed: true},
		{name: "update-deployment", request: "update-deployment", mode: webhook.ModeDeny,
			denyCauses: []string{"spec.template.spec.initContainers[0].command"}},
		{name: "update-deployment-warn", request: "update-deployment", allowed: true, warnings: 1},
		{name: "update-labels-only", request: "update-labels-only", mode: webhook.ModeDeny, allowed: true},
		{name: "update-pod-image", request: "update-pod-image", mode: webhook.ModeDeny, ruleModes: map[string]webhook.Mode{"pod-image-change": webhook.ModeWarn},
			denyCauses: []string{"spec.initContainers[0].image", "spec.containers[1].ports[0]"}, warnings: 1, warningHasID: "pod-image-change"},
		{name: "update-pod-labels", request: "update-pod-labels", mode: webhook.ModeDeny, allowed: true},
		{name: "update-scale", request: "update-scale", mode: webhook.ModeDeny, allowed: true},
		// A custom resource's pod template is judged as the built-in kind it stands for.
		{name: "rollout", request: "create-rollout", mode: webhook.ModeDeny,
			denyCauses: []string{"spec.template.spec.restartPolicy", "spec.template.spec.containers[1].name"}},
		{name: "update-rollout-scale", request: "update-rollout-scale", mode: webhook.ModeDeny, allowed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(testdata, tc.request+".request.json"))
			if err != nil {
				t.Fatal(err)
			}
			h := newHandler(t, webhook.Config{Mode: tc.mode, RuleModes: tc.ruleModes})
			rec := post(h, "application/json", body)
			if rec.Code != http.StatusOK {
				t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
			}
			var review admissionv1.AdmissionReview
			if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil {
				t.Fatal(err)
			}
			resp := review.Response
			if review.APIVersion != "admission.k8s.io/v1" || review.Kind != "AdmissionReview" || resp == nil {
				t.Fatalf("not an AdmissionReview response: %s", rec.Body)
			}
			if resp.UID != "00000000-0000-0000-0000-000000000001" {
				t.Errorf("uid %q is not the request's", resp.UID)
			}
			if resp.Allowed != tc.allowed {
				t.Errorf("allowed = %v, want %v", resp.Allowed, tc.allowed)
			}
			if len(resp.Warnings) != tc.warnings {
				t.Errorf("%d warnings, want %d: %q", len(resp.Warnings), tc.warnings, resp.Warnings)
			}
			if tc.warningHasID != "" && !strings.Contains(strings.Join(resp.Warnings, "\n"), "("+tc.warningHasID+")") {
				t.Errorf("no warning of %s in %q", tc.warningHasID, resp.Warnings)
			}
			var causes []string
			if resp.Result != nil {
				if resp.Result.Reason != "Invalid" || resp.Result.Code != 422 || resp.Result.Details == nil {
					t.Errorf("result is not an Invalid status: %+v", resp.Result)
				} else {
					for _, c := range resp.Result.Details.Causes {
						causes = append(causes, c.Field)
					}
				}
			}
			if strings.Join(causes, ",") != strings.Join(tc.denyCauses, ",") {
				t.Errorf("causes at %q, want %q", causes, tc.denyCauses)
			}
			golden(t, "response-"+tc.name, render(rec))
		})
	}
}

func TestBadRequests(t *testing.T) {
	valid, err := os.ReadFile(filepath.Join(testdata, "create-pod.request.json"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, webhook.Config{MaxBodyBytes: 64 << 10})
	for _, tc := range []struct {
		name, contentType string
		method            string
		body              []byte
		code              int
	}{
		{name: "get", method: http.MethodGet, code: http.StatusMethodNotAllowed},
		{name: "content-type-yaml", contentType: "application/yaml", body: valid, code: http.StatusUnsupportedMediaType},
		{name: "content-type-missing", body: valid, code: http.StatusUnsupportedMediaType},
		{name: "empty-body", contentType: "application/json", code: http.StatusBadRequest},
		{name: "malformed", contentType: "application/json", body: []byte(`{"apiVersion": "admission.k8s.io/v1", "kind": `), code: http.StatusBadRequest},
		{name: "wrong-version", contentType: "application/json", body: bytes.Replace(valid, []byte("admission.k8s.io/v1"), []byte("admission.k8s.io/v1beta1"), 1), code: http.StatusBadRequest},
		{name: "no-request", contentType: "application/json", body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`), code: http.StatusBadRequest},
		{name: "no-uid", contentType: "application/json", body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}`), code: http.StatusBadRequest},
		{name: "too-large", contentType: "application/json", body: append(valid[:len(valid):len(valid)], bytes.Repeat([]byte(" "), 64<<10)...), code: http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, "/validate", bytes.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.code {
				t.Fatalf("HTTP %d, want %d: %s", rec.Code, tc.code, rec.Body)
			}
			golden(t, "bad-"+tc.name, render(rec))
		})
	}
}

// A rule that panics must not answer "allowed": the handler answers 500 so the
// API server's failurePolicy decides, and says why in its log.
func TestInternalErrorIsNotAnAnswer(t *testing.T) {
	boom := &lint.Rule{ID: "test-boom", Category: lint.CategoryPractice, Severity: lint.SeverityError, Title: "boom",
		Check: func(*lint.Pass) { panic("boom") }}
	var logs bytes.Buffer
	h := newHandler(t, webhook.Config{Engine: lint.NewEngine([]*lint.Rule{boom}, lint.Options{}),
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	body, _ := os.ReadFile(filepath.Join(testdata, "create-pod.request.json"))
	rec := post(h, "application/json", body)
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "test-boom panicked") {
		t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), `"uid":"00000000-0000-0000-0000-000000000001"`) {
		t.Errorf("the failure is not logged with the request's uid: %s", logs.String())
	}
}

// A rule slower than the deadline makes the handler answer 500 before the API
// server would time out.
func TestDeadline(t *testing.T) {
	slow := &lint.Rule{ID: "test-slow", Category: lint.CategoryPractice, Severity: lint.SeverityError, Title: "slow",
		Check: func(*lint.Pass) { time.Sleep(300 * time.Millisecond) }}
	h := newHandler(t, webhook.Config{Engine: lint.NewEngine([]*lint.Rule{slow}, lint.Options{}), Timeout: 50 * time.Millisecond})
	body, _ := os.ReadFile(filepath.Join(testdata, "create-pod.request.json"))
	rec := post(h, "application/json", body)
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "deadline") {
		t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
	}
}

func TestDecisionLog(t *testing.T) {
	var logs bytes.Buffer
	h := newHandler(t, webhook.Config{Mode: webhook.ModeAudit, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	body, _ := os.ReadFile(filepath.Join(testdata, "create-pod.request.json"))
	if rec := post(h, "application/json", body); rec.Code != http.StatusOK {
		t.Fatalf("HTTP %d", rec.Code)
	}
	var rec map[string]any
	if err := json.Unmarshal(logs.Bytes(), &rec); err != nil {
		t.Fatalf("log is not one JSON record: %v\n%s", err, logs.String())
	}
	for k, want := range map[string]any{"uid": "00000000-0000-0000-0000-000000000001", "user": "alice@example.com",
		"kind": "Pod", "name": "web", "namespace": "team-a", "decision": "allowed", "mode": "audit", "operation": "CREATE"} {
		if rec[k] != want {
			t.Errorf("log %s = %v, want %v", k, rec[k], want)
		}
	}
	ids, _ := rec["auditRules"].([]any)
	if fmt.Sprint(ids) != "[bare-pod duplicate-container-port init-container-never-exits]" {
		t.Errorf("auditRules = %v", rec["auditRules"])
	}
}

// Many findings: the warnings stay within what the API server passes on
// unchanged (256 runes each, 4096 in all) and end by saying what was left out.
func TestWarningsBounded(t *testing.T) {
	many := &lint.Rule{ID: "test-many", Category: lint.CategoryPractice, Severity: lint.SeverityWarning, Title: "many",
		Check: func(p *lint.Pass) {
			for i := range 200 {
				p.Report(p.Object.PodSpecPath.Child("containers").Index(0), "", nil, fmt.Sprintf("finding %d\nwith a newline and a long tail %s", i, strings.Repeat("é", 300)), "")
			}
		}}
	h := newHandler(t, webhook.Config{Engine: lint.NewEngine([]*lint.Rule{many}, lint.Options{})})
	body, _ := os.ReadFile(filepath.Join(testdata, "create-pod.request.json"))
	rec := post(h, "application/json", body)
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil {
		t.Fatal(err)
	}
	ws := review.Response.Warnings
	total := 0
	for _, w := range ws {
		n := utf8.RuneCountInString(w)
		if n > 256 || strings.ContainsAny(w, "\n\r\t") {
			t.Errorf("warning of %d runes or with control characters: %q", n, w)
		}
		total += n
	}
	if total > 4096 || len(ws) < 2 || !strings.Contains(ws[len(ws)-1], "more findings are not shown") {
		t.Errorf("%d warnings of %d runes in all; last %q", len(ws), total, ws[len(ws)-1])
	}
}

func TestNewHandlerValidates(t *testing.T) {
	if _, err := webhook.NewHandler(webhook.Config{}); err == nil {
		t.Error("a handler without an engine was built")
	}
	if _, err := webhook.NewHandler(webhook.Config{Engine: lint.NewEngine(nil, lint.Options{}), Mode: "block"}); err == nil {
		t.Error("mode block was accepted")
	}
	if _, err := webhook.ParseRuleModes([]string{"no-such-rule=deny"}, func(string) bool { return false }); err == nil {
		t.Error("an unknown rule ID was accepted")
	}
	m, err := webhook.ParseRuleModes([]string{"bare-pod=Audit"}, nil)
	if err != nil || m["bare-pod"] != webhook.ModeAudit {
		t.Errorf("ParseRuleModes = %v, %v", m, err)
	}
	_ = context.Background
}

// The podlint.io/ignore annotation suppresses findings in the webhook as in
// `podlint check`.
func TestSuppressionAnnotation(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(testdata, "create-pod.request.json"))
	if err != nil {
		t.Fatal(err)
	}
	body = bytes.Replace(body, []byte(`"name": "web",
        "namespace": "team-a"
      }`), []byte(`"name": "web",
        "namespace": "team-a",
        "annotations": {"podlint.io/ignore": "init-container-never-exits,duplicate-container-port # proxy is a sidecar in disguise"}
      }`), 1)
	if !bytes.Contains(body, []byte("podlint.io/ignore")) {
		t.Fatal("fixture changed: annotation not inserted")
	}
	rec := post(newHandler(t, webhook.Config{Mode: webhook.ModeDeny}), "application/json", body)
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil {
		t.Fatal(err)
	}
	if !review.Response.Allowed || len(review.Response.Warnings) != 0 {
		t.Errorf("suppressed findings still judged: %s", rec.Body)
	}
}

// An object podlint cannot read is never admitted unjudged: the handler answers
// 500 so that the webhook's failurePolicy decides (apiservertest runs both).
func TestUnreadableObjectIsAnError(t *testing.T) {
	h := newHandler(t, webhook.Config{})
	for name, object := range map[string]string{
		"number":     `42`,
		"string":     `"a Pod"`,
		"wrong type": `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"a"},"spec":{"containers":[{"name":"a","image":"nginx:1.27","ports":[{"containerPort":"80"}]}]}}`,
		"spec list":  `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"a"},"spec":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			body := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1",` +
				`"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},` +
				`"namespace":"a","operation":"CREATE","userInfo":{"username":"alice"},"object":` + object + `}}`
			rec := post(h, "application/json", []byte(body))
			if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "podlint could not read") {
				t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
			}
		})
	}
}

// TestPodSecurityDefault: with a default Pod Security level (--pod-security), the
// webhook refuses in deny mode what that level refuses, at the field, and admits
// the same request without it.
func TestPodSecurityDefault(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(testdata, "create-pod.request.json"))
	if err != nil {
		t.Fatal(err)
	}
	body = bytes.Replace(body, []byte(`"name": "web",
        "namespace": "team-a"
      }`), []byte(`"name": "web",
        "namespace": "team-a",
        "annotations": {"podlint.io/ignore": "init-container-never-exits,duplicate-container-port"}
      }`), 1)
	body = bytes.Replace(body, []byte(`"spec": {`), []byte(`"spec": {"hostPID": true,`), 1)
	if !bytes.Contains(body, []byte(`"hostPID": true`)) || !bytes.Contains(body, []byte("podlint.io/ignore")) {
		t.Fatal("fixture changed: hostPID or annotation not inserted")
	}
	baseline, _ := lint.ParsePodSecurityLevel("baseline")
	for _, tc := range []struct {
		level   lint.PodSecurityOptions
		allowed bool
	}{{lint.PodSecurityOptions{}, true}, {lint.PodSecurityOptions{Default: baseline}, false}} {
		eng := lint.NewEngine(rules.All(), lint.Options{PodSecurity: tc.level})
		rec := post(newHandler(t, webhook.Config{Mode: webhook.ModeDeny, Engine: eng}), "application/json", body)
		var review admissionv1.AdmissionReview
		if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil {
			t.Fatal(err)
		}
		if review.Response.Allowed != tc.allowed {
			t.Errorf("pod security %v: allowed %v, want %v: %s", tc.level.Default, review.Response.Allowed, tc.allowed, rec.Body)
		}
		if !tc.allowed && !strings.Contains(rec.Body.String(), "spec.hostPID") {
			t.Errorf("denial does not name spec.hostPID: %s", rec.Body)
		}
	}
}
