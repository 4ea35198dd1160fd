# podlint's developer entry points. `make test` is what CI runs (.ci/run).
GO        ?= go
BIN       ?= bin/podlint
FUZZTIME  ?= 10s
# Fuzz targets as package:Target; `make fuzz FUZZTIME=5m` runs each for longer.
FUZZ_TARGETS = \
	./lint/manifest:FuzzSplitter \
	./lint/manifest:FuzzDecode \
	./lint/manifest:FuzzLocate \
	./rules:FuzzRules \
	./runner/image:FuzzUnpack \
	./runner/image:FuzzLoad \
	./webhook:FuzzReview

.PHONY: build install test vet portable unit fuzz bench bench-policy golden clean apiserver-test chart-test

build:
	$(GO) build -o $(BIN) ./cmd/podlint

# Install podlint into $(go env GOBIN), or $(go env GOPATH)/bin when GOBIN is unset.
install:
	CGO_ENABLED=0 $(GO) install ./cmd/podlint

test: vet portable unit fuzz

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

# The webhook called by the Kubernetes API server's own validating webhook
# admission plugin, in-process over TLS. A nested module (webhook/apiservertest)
# keeps k8s.io/apiserver out of podlint's go.mod; `go test ./...` skips it.
apiserver-test:
	cd webhook/apiservertest && $(GO) vet ./... && $(GO) test -race -count=1 ./...

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
