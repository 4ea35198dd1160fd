# podlint's developer entry points. `make test` is what CI runs (.ci/run).
GO        ?= go
BIN       ?= bin/podlint
FUZZTIME  ?= 20000x
# A count, not a duration: with a duration, Go 1.26's fuzz coordinator can fail a
# target with "context deadline exceeded" when -fuzztime expires under load
# (golang/go#75804, fixed in Go 1.27) although no input failed.
# Fuzz targets as package:Target; `make fuzz FUZZTIME=5m` runs each for longer.
FUZZ_TARGETS = \
	./lint/manifest:FuzzSplitter \
	./lint/manifest:FuzzDecode \
	./lint/manifest:FuzzLocate \
	./rules:FuzzRules \
	./lint:FuzzLoader \
	./lint/fix:FuzzFix \
	./runner/image:FuzzUnpack \
	./runner/image:FuzzLoad \
	./webhook:FuzzReview

.PHONY: tidy build install test vet portable unit fuzz fuzz-corpus hostile runner-test parity parity-ci apiserver-test cluster-test webhook-load webhook-faults chart-test bench bench-policy golden clean

# Every module, nested ones included: parity/ and webhook/apiservertest replace
# podlint with ../, so they need tidying whenever podlint's own go.mod changes.
tidy:
	@for m in . parity webhook/apiservertest clustertest .ci/tools .ci/tools/conftest .ci/tools/helm .ci/tools/kube; do \
		echo "go mod tidy ($$m)"; (cd $$m && $(GO) mod tidy) || exit 1; \
	done

build:
	$(GO) build -o $(BIN) ./cmd/podlint

# Install podlint into $(go env GOBIN), or $(go env GOPATH)/bin when GOBIN is unset.
install:
	CGO_ENABLED=0 $(GO) install ./cmd/podlint

# What CI runs, one stage after the other, each with a timestamp so a slow run
# shows where its time went.
TEST_STAGES = vet portable unit fuzz chart-test editor-test runner-test parity-ci apiserver-test cluster-test
test:
	@start=$$(date +%s); for t in $(TEST_STAGES); do \
		echo "== $$(date -u +%H:%M:%S) make $$t ($$(( $$(date +%s) - start )) s so far)"; \
		$(MAKE) --no-print-directory $$t || { echo "== make test: $$t failed"; exit 1; }; \
	done; echo "== $$(date -u +%H:%M:%S) make test: ok in $$(( $$(date +%s) - start )) s"

# The runner starts real rootless sandboxes, so its tests run as an unprivileged user
# (as root the script creates one); inside `unit` they skip when run as root.
runner-test:
	scripts/runner-tests.sh -race -count=1

# The linter, webhook and image store build without cgo and off Linux; only the runner needs both.
portable:
	CGO_ENABLED=0 $(GO) build ./...
	GOOS=darwin GOARCH=arm64 $(GO) build ./...

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 ./...

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

# Regenerate the committed seed corpora (testdata/fuzz/) from the fixtures.
fuzz-corpus:
	UPDATE_FUZZ_CORPUS=1 $(GO) test -run TestFuzzCorpus ./lint/... ./rules/

# Feed podlint hostile input and print the table of docs/hostile-input.md.
hostile:
	bash scripts/hostile.sh

# The webhook called by the Kubernetes API server's own validating webhook
# admission plugin, in-process over TLS. A nested module (webhook/apiservertest)
# keeps k8s.io/apiserver out of podlint's go.mod; `go test ./...` skips it.
apiserver-test:
	cd webhook/apiservertest && $(GO) vet ./... && $(GO) test -count=1 ./...

# The webhook under load (500 reviews/s for 60 s, p99 < 5 ms) and under faults
# (killed, rotated, fed garbage mid-load); make test runs both briefly.
webhook-load:
	bash scripts/webhook-load.sh

webhook-faults:
	bash scripts/webhook-faults.sh

# A real control plane: Debian's etcd and kube-apiserver/kubectl v1.37.2 built
# from the module proxy (.ci/tools/kube, cached by go.sum hash), podlint's webhook
# registered and exercised with kubectl, then podlint audit against it. Installs
# etcd-server with apt-get when missing (as root). Nested module clustertest.
cluster-test:
	bash scripts/cluster-test.sh

# Render charts/podlint with the real helm CLI (built from .ci/tools/helm) and
# check that podlint finds nothing in it.
chart-test:
	bash scripts/chart-test.sh

bench:
	bash scripts/bench.sh

# Rego policies against conftest on one core (builds conftest from .ci/tools/conftest).
bench-policy:
	bash scripts/bench-policy.sh

# Regenerate golden files and rules/README.md; read `git diff` before committing.
golden:
	UPDATE_GOLDEN=1 $(GO) test ./rules/ ./cmd/...

clean:
	rm -rf bin .bench

# Differential test against kube-apiserver's own create path (nested module parity/,
# which builds k8s.io/kubernetes: the first run is slow). `make parity` is the long
# run and prints the agreement table and the disagreements by kind; PARITY_SEED
# picks another corpus, PARITY_PATHS=1 also lists objects whose error paths podlint
# missed. `make parity-ci` is the fixed-seed run CI does.
PARITY_OBJECTS ?= 6000
PARITY_SEED    ?= 20261127
parity:
	cd parity && PARITY_OBJECTS=$(PARITY_OBJECTS) PARITY_SEED=$(PARITY_SEED) PARITY_LIST=$${PARITY_LIST:-50} PARITY_PATHS=$(PARITY_PATHS) \
		$(GO) test -count=1 -timeout 30m -run 'TestParity' -v .

parity-ci:
	cd parity && $(GO) vet ./... && $(GO) test -count=1 -timeout 15m ./...

# podlint lsp in real editors: Neovim headless end to end, and the VS Code
# extension built and packaged (npm ci, tsc, vsce) without an editor download.
.PHONY: editor-test
editor-test:
	bash scripts/editor-test.sh
