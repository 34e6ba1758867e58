# nbfleet — the README's commands: `make demo` and `make test`.
GO       ?= go
# The Go release nbfleet is built and tested with: the newest patch of 1.26,
# which fixes the standard-library vulnerabilities govulncheck reports in
# older ones. The go command fetches it from the module proxy once (~70 MB);
# a machine that sets GOTOOLCHAIN=local is overridden here on purpose.
export GOTOOLCHAIN := go1.26.11
FUZZTIME ?= 15s
BIN      := bin/nbfleet

.PHONY: all build test security bench bench-apply fuzz chaos conformance demo docs lint hygiene clean

all: build

# Version, commit and the commit's date are stamped into the binary
# (`nbfleet version`); a build without them (go install, go build) reads the
# module's build information instead. The version is the tag on HEAD when
# there is one, else a pseudo-version as the go command writes it
# (v0.0.0-<commit time>-<commit>), "+dirty" with uncommitted changes.
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE    ?= $(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
DIRTY   := $(shell git diff --quiet HEAD 2>/dev/null || echo +dirty)
VERSION ?= $(or $(shell git describe --tags --match 'v[0-9]*' --exact-match 2>/dev/null),$(if $(COMMIT),v0.0.0-$(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S)-$(shell git rev-parse --short=12 HEAD)))$(if $(COMMIT),$(DIRTY))
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/nbfleet

# Every test, with the race detector.
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# The security suite (also part of make test): one test per attack — a
# pull request's hook files and endpoint, duplicate races, a tampered saved
# plan, injected text in every output — against the nbfleet binary, plus
# the secrets and plain-http tests. NBFLEET_SECURITY_BIN=old/nbfleet runs
# the attacks against another build (docs/reliability.md).
security:
	$(GO) test -race -count=1 -run '^(TestSecurity|TestNoSecretsInOutputs|TestInsecureEndpointRefused)' -v ./cmd/nbfleet

# Speed and memory targets live in benchmarks; figures are in docs/performance.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# nbfleet apply with its default flags against emulator subprocesses, beside
# the Terraform provider's strategy and an xargs+curl loop, in one table
# (docs/performance.md). BENCH_GRID=small takes a few minutes; full, the grid
# of issue 13, about an hour. BENCH_CLIENTS (nbfleet,xargs,terraform) and
# BENCH_CELLS (a regexp on "N=1000 R=600 1m C=2s") narrow it.
BENCH_GRID ?= small
BENCH_CLIENTS ?= nbfleet,xargs,terraform
BENCH_CELLS ?=
bench-apply: build
	$(GO) run ./test/benchapply -bin $(BIN) -grid $(BENCH_GRID) -clients $(BENCH_CLIENTS) -cells '$(BENCH_CELLS)'

# Each fuzz target for a bounded time (go test fuzzes one target at a time);
# the script tells a real finding from the fuzzing engine's own deadline race.
fuzz:
	GO="$(GO)" scripts/fuzz.sh $(FUZZTIME)

# The chaos suite (test/chaos): CHAOS_RUNS seeded applies of the real binary
# against emulator subprocesses under every fault kind, interrupts and
# emulator restarts; prints the figures. CI runs a smaller CHAOS_RUNS.
CHAOS_RUNS ?= 50
CHAOS_SEED ?= 1
chaos:
	CHAOS_RUNS=$(CHAOS_RUNS) CHAOS_SEED=$(CHAOS_SEED) $(GO) test -count=1 -v -timeout 60m -run '^TestChaos$$' ./test/chaos

# The conformance suite (test/conformance) against a real account: ONE
# notebook named nbfleet-conformance-…, created, changed and deleted; one
# line per check. Credentials and region come from the environment as for
# nbfleet; without them it says so and exits 0. `make test` runs the same
# suite against the emulator on both cloud profiles.
conformance:
	$(GO) run ./test/conformance

demo: build
	./scripts/demo.sh

# The CLI reference, docs/cli/*.md, generated from the command tree with
# github.com/spf13/cobra/doc. `make test` fails when it is out of date.
docs:
	$(GO) test ./cmd/nbfleet -run '^TestCLIReference$$' -count=1 -update

# go vet, gofmt, staticcheck and govulncheck. The tools are pinned here and in
# scripts/govulncheck.sh and run with "go run pkg@version", so they stay out of
# go.mod; govulncheck reads an offline database built from golang.org/x/vulndb
# (vuln.go.dev is not reachable from CI). See "Linting" in CONTRIBUTING.md.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint:
	$(GO) vet ./...
	@files=$$("$$($(GO) env GOROOT)/bin/gofmt" -l $$(git ls-files '*.go')); \
	if [ -n "$$files" ]; then echo "gofmt -w needed on:"; echo "$$files"; exit 1; fi
	$(GO) run $(STATICCHECK) ./...
	GO=$(GO) ./scripts/govulncheck.sh

# No build outputs or test debris in the repository: every tracked file
# outside testdata/ is at most 1 MiB, and no rapid failure record is tracked.
hygiene:
	./scripts/hygiene.sh

clean:
	rm -rf bin nbfleet-report .demo
