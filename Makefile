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

# Each fuzz target for a bounded time (go test fuzzes one target at a time).
fuzz:
	@set -e; grep -rHo '^func Fuzz[A-Za-z0-9_]*' --include='*_test.go' pkg internal cmd | sort -u | \
	while IFS=: read -r file fn; do \
		name=$${fn#func }; dir=./$$(dirname $$file); \
		echo "== fuzz $$dir $$name ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$dir; \
	done

demo: build
	./scripts/demo.sh

lint:
	$(GO) vet ./...
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"

clean:
	rm -rf bin nbfleet-report .demo
