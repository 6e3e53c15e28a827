# llminstr: compile-time OpenTelemetry instrumentation of Go LLM SDK calls.

GO ?= go
TEST_TIMEOUT ?= 60m

.PHONY: all build cross demo test test-slow test-short e2e peer survey vet bench bench-build fuzz clean

all: build

# Static (CGO_ENABLED=0), as the README installs it: the go command starts
# llminstr for every tool invocation of a build, and a static binary starts
# faster.
build:
	CGO_ENABLED=0 $(GO) build -o bin/llminstr ./cmd/llminstr

# Build the example agent with -toolexec=llminstr and run it against a local
# fake provider, printing the trace with the console exporter.
demo:
	./scripts/demo.sh

vet:
	$(GO) vet ./...
	cd runtime && $(GO) vet ./...

# The tool and the runtime build for macOS and Windows (verified by
# cross-compilation only).
cross:
	GOOS=darwin GOARCH=arm64 $(GO) build -o /dev/null ./cmd/llminstr
	GOOS=windows GOARCH=amd64 $(GO) build -o /dev/null ./cmd/llminstr
	cd runtime && GOOS=darwin GOARCH=arm64 $(GO) build ./... && GOOS=windows GOARCH=amd64 $(GO) build ./...

# Tests that build programs with -toolexec=llminstr are named
# TestIntegration and TestConformance in each integration's directory; the
# -race runs of the adapters' own tests leave them out (they run once,
# below, with the rest).
PROGRAM_TESTS := ^Test(Integration|Conformance)$$

# Builds that recompile every package under other flags or another Go
# (-race, -cover, -trimpath, vendored, a workspace; go1.23), govulncheck
# (installed from the module proxy) reading an instrumented binary, and the
# two oldest runtimes (API levels 1 and 2; make test keeps the runtime one
# level behind): make test-slow runs them. Run it too after a change to
# internal/toolexec.
SLOW_TESTS := ^TestBuildModes$$/^(race|cover|trimpath|vendor|workspace)$$|^TestOldGo$$|^TestGovulncheck$$|^TestOldRuntime$$/^level_

# Unit, golden and integration tests (the integration tests build real
# programs with -toolexec; they share the module and build caches). Every
# adapter variant a rules.yaml declares is vetted under its build tags.
test: vet cross
	cd runtime && $(GO) test -race -count=1 ./...
	$(GO) test -race -count=1 -skip '$(PROGRAM_TESTS)' $$($(GO) list ./rules/... | grep -v '/rules$$')
	$(GO) test -race -count=1 -skip '$(PROGRAM_TESTS)' -tags llminstr_openai_decoder ./rules/openai
	$(GO) run ./rules/internal/variants | while read dir tags; do $(GO) vet -tags $$tags ./rules/$$dir || exit 1; done
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) -skip '$(SLOW_TESTS)' ./...

# The builds make test leaves out (see SLOW_TESTS): about 20 minutes.
test-slow:
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) -run '$(SLOW_TESTS)' ./internal/integration/...

# Only the end-to-end test through a real OpenTelemetry Collector (built
# from e2e/; also part of make test).
e2e:
	$(GO) test -count=1 -run TestCollector -v ./internal/integration

# The SDKs' own test suites (openai-go, go-openai, anthropic-sdk-go), plain
# and with -toolexec=llminstr, with and without -race: the instrumented runs
# must lose no test. Not part of make test: it takes about half an hour.
peer:
	./scripts/peer.sh

# A real application or library built plain and instrumented after
# llminstr init: go.mod changes, call sites found, build times, binary sizes.
SURVEY ?= github.com/mozilla-ai/any-llm-go@v0.8.0 ./...
survey:
	./scripts/survey.sh $(SURVEY)

# Unit tests only.
test-short:
	cd runtime && $(GO) test -short ./...
	$(GO) test -short ./...

# Whole-build overhead: plain vs instrumented, clean and warm, same run.
bench-build:
	./scripts/bench-build.sh

# Per-call and per-chunk runtime overhead (compare with benchstat).
bench:
	$(GO) test -run '^$$' -bench . -count 10 ./rules/...

# Fuzz every Fuzz target of the adapters (and openai's decoder variant) for
# FUZZTIME each.
FUZZTIME ?= 60s
fuzz:
	for pkg in $$($(GO) list ./rules/...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done
	$(GO) test -tags llminstr_openai_decoder -run '^$$' -fuzz '^FuzzChatStream$$' -fuzztime $(FUZZTIME) ./rules/openai

clean:
	rm -rf bin
