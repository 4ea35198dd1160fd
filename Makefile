# podlint's developer entry points. `make test` is what CI runs (.ci/run).
GO        ?= go
BIN       ?= bin/podlint
FUZZTIME  ?= 10s
# Fuzz targets as package:Target; `make fuzz FUZZTIME=5m` runs each for longer.
FUZZ_TARGETS = \
	./lint/manifest:FuzzSplitter \
	./lint/manifest:FuzzDecode \
	./lint/manifest:FuzzLocate \
	./lint:FuzzLoader \
	./rules:FuzzRules

.PHONY: build test vet unit fuzz fuzz-corpus hostile bench golden clean

build:
	$(GO) build -o $(BIN) ./cmd/podlint

test: vet unit fuzz

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

bench:
	bash scripts/bench.sh

# Regenerate golden files and rules/README.md; read `git diff` before committing.
golden:
	UPDATE_GOLDEN=1 $(GO) test ./rules/ ./cmd/...

clean:
	rm -rf bin .bench
