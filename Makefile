# The test command README.md names; .ci/run calls it.
.PHONY: test bench bench-large lint fuzz

TESTFLAGS ?=
test:
	go test -count=1 -timeout 15m $(TESTFLAGS) ./...

# Benchmarks at CI-friendly scale; see docs/benchmarks.md for the large ones.
bench:
	go test -run '^$$' -bench . -benchtime 1x ./...

lint:
	gofmt -l . | (! grep .)
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@latest ./...
