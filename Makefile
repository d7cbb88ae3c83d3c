# cloudperf — see README.md. `make test` is the fast suite CI runs first;
# `make e2e` the real-cluster run (tools built once into ~/.cache/cloudperf).
GO ?= go
TOOLS_BIN ?= $(or $(CLOUDPERF_TOOLS_DIR),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/cloudperf/tools)/bin
# The pinned Pulumi CLI (from `make tools`) is found first, so the stack tests
# run against the version the e2e uses.
export PATH := $(TOOLS_BIN):$(PATH)
GOFILES = $(shell git ls-files '*.go' 2>/dev/null || find . -name '*.go')

.PHONY: all test fmt-check vet build e2e tools bench clean

all: build test

test: fmt-check vet
	$(GO) test -race -count=1 ./...

fmt-check:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

build:
	$(GO) build -o bin/ ./app ./client

tools:
	infra/e2e/tools/install.sh

e2e: tools
	$(GO) test -tags e2e -count=1 -v -timeout 30m ./infra/e2e/...

clean:
	rm -rf bin
