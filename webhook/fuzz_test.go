package webhook_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/podlint/podlint/webhook"
)

// FuzzReview feeds arbitrary bodies through the whole handler: request
// parsing, object decoding, the rules and the response. It must never panic,
// and must answer 200 only with a body.
func FuzzReview(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(testdata, "*.request.json"))
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"UPDATE","kind":{"version":"v1","kind":"Pod"},"object":{"kind":"Pod"},"oldObject":null}}`))
	h := newHandler(f, webhook.Config{Mode: webhook.ModeDeny, MaxBodyBytes: 1 << 20})
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := post(h, "application/json", body)
		if rec.Code == http.StatusOK && rec.Body.Len() == 0 {
			t.Fatal("200 without a body")
		}
		if _, err := webhook.ParseReview(body); err == nil && rec.Code == http.StatusBadRequest {
			t.Fatalf("a review ParseReview accepts was answered 400: %s", rec.Body)
		}
	})
}
