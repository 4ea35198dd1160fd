package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	admissionv1 "k8s.io/api/admission/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

// Limits and defaults of the handler.
const (
	// DefaultMaxBodyBytes bounds a request body. An UPDATE review carries the old
	// and the new object, each up to etcd's default 1.5 MiB request limit, plus
	// the envelope; 7 MiB leaves room for JSON re-encoding of both.
	DefaultMaxBodyBytes = 7 << 20
	// DefaultTimeout is the per-request deadline. The API server's default
	// webhook timeoutSeconds is 10 (and the chart sets 3); answering before the
	// caller gives up lets its failurePolicy apply to a known error instead of a
	// timeout.
	DefaultTimeout = 2500 * time.Millisecond
)

// Config configures a Handler.
type Config struct {
	// Engine runs the rules; it carries the configuration (disabled rules,
	// severities, Kubernetes release) and the Rego policies.
	Engine *lint.Engine
	// Mode applies to findings of severity warning and error whose rule has no
	// entry in RuleModes; zero means DefaultMode. Info findings are audited
	// unless their rule has an entry in RuleModes: they describe what a change
	// does (a rollout) rather than a problem, and would drown the warnings.
	Mode Mode
	// RuleModes override Mode per rule ID.
	RuleModes map[string]Mode
	// MaxBodyBytes bounds request bodies (413 above); zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Timeout is the per-request deadline; zero means DefaultTimeout.
	Timeout time.Duration
	// Logger receives one structured record per decision; nil discards.
	Logger *slog.Logger
	// Metrics, when not nil, counts requests, latency and violations.
	Metrics *Metrics
}

// Handler is the admission webhook's http.Handler. It is safe for concurrent use.
type Handler struct {
	cfg Config
	log *slog.Logger
}

// NewHandler returns a handler for cfg.
func NewHandler(cfg Config) (*Handler, error) {
	if cfg.Engine == nil {
		return nil, errors.New("webhook: Config.Engine is required")
	}
	if cfg.Mode == "" {
		cfg.Mode = DefaultMode
	}
	if _, err := ParseMode(string(cfg.Mode)); err != nil {
		return nil, err
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg, log: log}, nil
}

// ServeHTTP guards the request (method, content type, size, shape), reviews it
// and writes the AdmissionReview response. Guard failures are plain-text HTTP
// errors: the API server treats any non-200 answer as a webhook failure and
// applies the configuration's failurePolicy.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.fail(w, http.StatusMethodNotAllowed, "only POST is served", start)
		return
	}
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/json" {
		h.fail(w, http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q is not supported: want application/json", r.Header.Get("Content-Type")), start)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		h.fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", h.cfg.MaxBodyBytes), start)
		return
	case err != nil:
		h.fail(w, http.StatusBadRequest, "cannot read the request body: "+err.Error(), start)
		return
	case len(bytes.TrimSpace(body)) == 0:
		h.fail(w, http.StatusBadRequest, "request body is empty", start)
		return
	}
	review, err := ParseReview(body)
	if err != nil {
		h.fail(w, http.StatusBadRequest, err.Error(), start)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.Timeout)
	defer cancel()
	resp, err := h.Review(ctx, review.Request)
	if err != nil {
		// Unanswered on purpose: a 500 makes the API server apply failurePolicy,
		// which is the cluster's choice for "podlint could not judge".
		h.fail(w, http.StatusInternalServerError, err.Error(), start)
		return
	}
	out := admissionv1.AdmissionReview{TypeMeta: review.TypeMeta, Response: resp}
	data, err := json.Marshal(out)
	if err != nil {
		h.fail(w, http.StatusInternalServerError, "cannot encode the response: "+err.Error(), start)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(data)
}

// fail answers a request that could not be reviewed, logs and counts it.
func (h *Handler) fail(w http.ResponseWriter, code int, msg string, start time.Time) {
	h.log.Warn("request rejected", "status", code, "error", msg)
	h.cfg.Metrics.observe("", "", "error", "", time.Since(start))
	http.Error(w, msg, code)
}

// ParseReview decodes an AdmissionReview v1 request: strictly typed, with a
// request, a UID and an operation. It is the fuzz target for request parsing.
func ParseReview(body []byte) (*admissionv1.AdmissionReview, error) {
	var review admissionv1.AdmissionReview
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&review); err != nil {
		return nil, fmt.Errorf("malformed AdmissionReview: %v", err)
	}
	if dec.More() {
		return nil, errors.New("malformed AdmissionReview: data after the object")
	}
	switch {
	case review.APIVersion != admissionv1.SchemeGroupVersion.String() || review.Kind != "AdmissionReview":
		return nil, fmt.Errorf("want an admission.k8s.io/v1 AdmissionReview, got apiVersion %q kind %q", review.APIVersion, review.Kind)
	case review.Request == nil:
		return nil, errors.New("AdmissionReview has no request")
	case review.Request.UID == "":
		return nil, errors.New("AdmissionReview request has no uid")
	case review.Request.Operation == "":
		return nil, errors.New("AdmissionReview request has no operation")
	}
	return &review, nil
}

// Decision is the outcome of reviewing one request, before it is rendered as
// an AdmissionResponse: every finding with the mode it was given.
type Decision struct {
	Findings []JudgedFinding
	// Mode is the strictest mode among Findings, "" when there are none.
	Mode Mode
}

// JudgedFinding is a finding and the mode that applies to it.
type JudgedFinding struct {
	lint.Finding
	Mode Mode
}

// Review judges one admission request and returns the response to send. It
// returns an error only when podlint could not judge (a rule panicked, the
// deadline passed): the caller answers 500 so that failurePolicy applies.
func (h *Handler) Review(ctx context.Context, req *admissionv1.AdmissionRequest) (*admissionv1.AdmissionResponse, error) {
	start := time.Now()
	dec, err := h.decide(ctx, req)
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("deadline of %s passed: %w", h.cfg.Timeout, ctx.Err())
	}
	resp := &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}
	decision := "allowed"
	if err != nil {
		decision = "error"
	} else {
		var denied field.ErrorList
		var warnings []string
		for _, f := range dec.Findings {
			switch f.Mode {
			case ModeDeny:
				denied = append(denied, fieldError(f.Finding))
			case ModeWarn:
				warnings = append(warnings, warningText(f.Finding))
			}
		}
		resp.Warnings = boundWarnings(warnings)
		if len(denied) > 0 {
			decision = "denied"
			resp.Allowed = false
			gk := schema.GroupKind{Group: req.Kind.Group, Kind: req.Kind.Kind}
			status := apierrors.NewInvalid(gk, objectName(req), denied).ErrStatus
			resp.Result = &status
		}
	}
	h.record(req, dec, decision, err, time.Since(start))
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// objectName is the name the API server would put in its own Invalid error:
// the request's name, which is empty for a create with generateName.
func objectName(req *admissionv1.AdmissionRequest) string { return req.Name }

// decide runs the engine on the request's object(s) and gives each finding a mode.
func (h *Handler) decide(ctx context.Context, req *admissionv1.AdmissionRequest) (Decision, error) {
	var dec Decision
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return dec, nil
	}
	// Subresources (status, scale, binding, ephemeralcontainers, ...) do not
	// change what podlint judges in the template, or are written by controllers.
	if req.SubResource != "" {
		return dec, nil
	}
	if !h.checked(req.Kind) {
		return dec, nil
	}
	newRes, err := h.cfg.Engine.CheckObject(ctx, req.Object.Raw)
	if err != nil {
		return dec, fmt.Errorf("checking %s: %w", describe(req), err)
	}
	if newRes.Object == nil {
		return dec, nil // not an object podlint reads (the API server decoded it; podlint could not)
	}
	obj := newRes.Object
	findings := lint.LiveFindings(newRes.Findings)
	if obj.Controlled() {
		// The owning workload was judged on its template already; repeating
		// each finding on every Pod it creates would only multiply them.
		findings = nil
	}
	if req.Operation == admissionv1.Update {
		oldRes, err := h.cfg.Engine.CheckObject(ctx, req.OldObject.Raw)
		if err != nil {
			return dec, fmt.Errorf("checking the old %s: %w", describe(req), err)
		}
		if oldRes.Object == nil {
			return dec, fmt.Errorf("the old object of %s could not be decoded", describe(req))
		}
		if obj.Meta != nil && obj.Meta.DeletionTimestamp != nil {
			// An object being deleted is updated only to drop finalizers: never
			// stand in the way of that.
			return dec, nil
		}
		if !podChanged(oldRes.Object, obj) {
			// As pod-security-admission does: an update that leaves the pod
			// spec and template metadata alone (labels, annotations, finalizers,
			// replicas) is not judged again, so existing objects stay manageable.
			findings = nil
		} else if obj.IsPod() {
			findings = dropCreateOnly(h.cfg.Engine, findings)
		}
		updates, err := h.cfg.Engine.CheckUpdate(ctx, oldRes.Object, obj)
		if err != nil {
			return dec, fmt.Errorf("checking the update of %s: %w", describe(req), err)
		}
		findings = append(findings, updates...)
	}
	for _, f := range findings {
		m := h.modeOf(f)
		dec.Findings = append(dec.Findings, JudgedFinding{Finding: f, Mode: m})
		if m.rank() > dec.Mode.rank() {
			dec.Mode = m
		}
	}
	return dec, nil
}

// modeOf returns the mode of a finding: its rule's, or the global one for
// warnings and errors, or audit for info.
func (h *Handler) modeOf(f lint.Finding) Mode {
	if m, ok := h.cfg.RuleModes[f.Rule]; ok {
		return m
	}
	if f.Severity < lint.SeverityWarning {
		return ModeAudit
	}
	return h.cfg.Mode
}

// checked reports whether the request's kind is one podlint reads, in the
// group and version podlint decodes (the webhook configuration's
// matchPolicy Equivalent converts other versions to it).
func (h *Handler) checked(gvk metav1.GroupVersionKind) bool {
	apiVersion := gvk.Version
	if gvk.Group != "" {
		apiVersion = gvk.Group + "/" + gvk.Version
	}
	// Built-in kinds, and the custom resources whose pod templates podlint reads.
	return h.cfg.Engine.ReadsKind(apiVersion, gvk.Kind)
}

// podChanged reports whether an update changes the pod spec or the pod
// template's metadata (for a Pod, its own labels and annotations).
func podChanged(old, new *lint.Object) bool {
	if new.Custom != nil {
		// A custom resource: any of its templates.
		if len(old.Templates) != len(new.Templates) {
			return true
		}
		for i := range new.Templates {
			if podChanged(old.Templates[i], new.Templates[i]) {
				return true
			}
		}
		return false
	}
	if !apiequality.Semantic.DeepEqual(old.PodSpec, new.PodSpec) {
		return true
	}
	if old.PodMeta == nil || new.PodMeta == nil {
		return old.PodMeta != new.PodMeta
	}
	if new.IsPod() {
		// A Pod's own metadata changes all the time (controllers, kubectl
		// label); only the spec is the Pod's behaviour.
		return false
	}
	return !apiequality.Semantic.DeepEqual(old.PodMeta.Labels, new.PodMeta.Labels) ||
		!apiequality.Semantic.DeepEqual(old.PodMeta.Annotations, new.PodMeta.Annotations)
}

// dropCreateOnly removes findings of rules that the API server applies to a
// Pod's create only: on an update the Pod already exists.
func dropCreateOnly(e *lint.Engine, fs []lint.Finding) []lint.Finding {
	var out []lint.Finding
	for _, f := range fs {
		if !e.IsCreateOnly(f.Rule) {
			out = append(out, f)
		}
	}
	return out
}

// fieldError turns a finding into the field error the API server itself would
// return, so that kubectl prints it like a built-in validation error.
func fieldError(f lint.Finding) *field.Error {
	typ := f.Type
	if typ == "" {
		// lifecycle, practice and policy findings have no Kubernetes error
		// type: a bad value makes them Invalid (kubectl shows the value),
		// otherwise the object is refused by policy, which is Forbidden.
		typ = field.ErrorTypeForbidden
		if f.BadValue != nil {
			typ = field.ErrorTypeInvalid
		}
	}
	return &field.Error{Type: typ, Field: f.Field, BadValue: f.BadValue, Detail: f.Message + " (" + f.Rule + ")"}
}

// warningText renders a finding the way `podlint check` does, without the
// position: "podlint: field: message (rule-id)". A long message is shortened so
// that the rule ID, the handle for `podlint rules explain`, survives the API
// server's per-warning limit.
func warningText(f lint.Finding) string {
	head := "podlint: "
	if f.Field != "" {
		head += f.Field + ": "
	}
	tail := " (" + f.Rule + ")"
	room := maxWarningRunes - utf8.RuneCountInString(head) - utf8.RuneCountInString(tail)
	return head + truncateRunes(clean(f.Message), max(room, 1)) + tail
}

func describe(req *admissionv1.AdmissionRequest) string {
	name := req.Name
	if req.Namespace != "" {
		name = req.Namespace + "/" + name
	}
	return strings.TrimSuffix(req.Kind.Kind+" "+name, " ")
}

// record logs the decision and counts it.
func (h *Handler) record(req *admissionv1.AdmissionRequest, dec Decision, decision string, err error, took time.Duration) {
	mode := string(dec.Mode)
	if mode == "" {
		mode = "none"
	}
	attrs := []any{
		"uid", string(req.UID),
		"operation", string(req.Operation),
		"kind", req.Kind.Kind,
		"namespace", req.Namespace,
		"name", req.Name,
		"user", req.UserInfo.Username,
		"dryRun", req.DryRun != nil && *req.DryRun,
		"decision", decision,
		"mode", mode,
		"durationMs", float64(took.Microseconds()) / 1000,
	}
	var judged []any
	rulesByMode := map[Mode]map[string]bool{}
	for _, f := range dec.Findings {
		if rulesByMode[f.Mode] == nil {
			rulesByMode[f.Mode] = map[string]bool{}
		}
		rulesByMode[f.Mode][f.Rule] = true
		judged = append(judged, map[string]string{"rule": f.Rule, "field": f.Field, "mode": string(f.Mode), "severity": f.Severity.String(), "message": f.Message})
		h.cfg.Metrics.violation(f.Rule, string(f.Mode))
	}
	for _, m := range []Mode{ModeDeny, ModeWarn, ModeAudit} {
		if ids := rulesByMode[m]; len(ids) > 0 {
			attrs = append(attrs, string(m)+"Rules", sortedKeys(ids))
		}
	}
	if len(judged) > 0 {
		attrs = append(attrs, "findings", judged)
	}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
		h.log.Error("admission review failed", attrs...)
	} else {
		h.log.Info("admission review", attrs...)
	}
	h.cfg.Metrics.observe(string(req.Operation), req.Kind.Kind, decision, mode, took)
}
