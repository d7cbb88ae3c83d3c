# cloudperf — see README.md. `make test` is the fast suite CI runs first;
# `make e2e` the real-cluster run (tools built once into ~/.cache/cloudperf).
GO ?= go
TOOLS_BIN ?= $(or $(CLOUDPERF_TOOLS_DIR),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/cloudperf/tools)/bin
# The pinned Pulumi CLI (from `make tools`) is found first, so the stack tests
# run against the version the e2e uses.
export PATH := $(TOOLS_BIN):$(PATH)
GOFILES = $(shell git ls-files '*.go' 2>/dev/null || find . -name '*.go')

BENCH_TOOLS ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/cloudperf/bench-tools

.PHONY: all test fmt-check vet build e2e tools bench bench-tools clean

all: build test

# The zero-allocation tests skip under -race (sync.Pool drops items at random
# there), so they run once more without it.
test: fmt-check vet
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 -run '^TestZeroAlloc' ./...

fmt-check:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

build:
	$(GO) build -trimpath -ldflags "-s -w" -o bin/ ./app ./client

tools:
	infra/e2e/tools/install.sh

e2e: tools
	$(GO) test -tags e2e -count=1 -v -p 1 -timeout 30m ./infra/e2e/...

# Benchmarks compare with other tools side by side and rewrite README.md's
# Performance blocks; timings are never a pass/fail. BENCH_FLAGS=-quick for
# shorter runs, BENCH_FLAGS='-only limit,memory,cost,latency,service' for some.
# client/bench measures the client against its peers, app/bench the service.
bench: bench-tools
	$(GO) run ./client/bench -readme README.md -tools $(BENCH_TOOLS) $(BENCH_FLAGS)
	$(GO) run ./app/bench -readme README.md $(BENCH_FLAGS)

bench-tools:
	@command -v wrk >/dev/null && command -v nginx >/dev/null && test -x /usr/bin/time && python3 -c 'import flask' 2>/dev/null || \
		{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light python3-flask time >/dev/null; }
	@test -x $(BENCH_TOOLS)/vegeta || GOBIN=$(BENCH_TOOLS) $(GO) install github.com/tsenart/vegeta/v12@v12.13.0
	@test -x $(BENCH_TOOLS)/fortio || GOBIN=$(BENCH_TOOLS) $(GO) install fortio.org/fortio@v1.68.2
	@test -x $(BENCH_TOOLS)/hey || GOBIN=$(BENCH_TOOLS) $(GO) install github.com/rakyll/hey@v0.1.5
	@test -x $(BENCH_TOOLS)/bombardier || GOBIN=$(BENCH_TOOLS) $(GO) install github.com/codesenberg/bombardier@v1.2.6

clean:
	rm -rf bin
