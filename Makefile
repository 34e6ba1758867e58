# nbfleet — the README's commands: `make demo` and `make test`.
GO       ?= go
FUZZTIME ?= 15s
BIN      := bin/nbfleet

.PHONY: all build test bench fuzz demo lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/nbfleet

# Every test, with the race detector.
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# Speed and memory targets live in benchmarks; figures are in the README.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Each fuzz target for a bounded time (go test runs one target at a time).
fuzz:
	@set -e; for t in $$($(GO) run ./internal/tools/fuzztargets); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

demo: build
	./scripts/demo.sh

lint:
	$(GO) vet ./...
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"

clean:
	rm -rf bin nbfleet-report .demo
