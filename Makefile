# eventhooks — every command a developer or CI needs. `make run` and `make test`
# are the two a newcomer uses; each installs what it needs, pinned.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

GO          ?= go

OCB_VERSION := v0.165.0
# ocb lives in a folder named after its version: another version already on
# the machine (in GOPATH/bin, say) is never used by mistake.
OCB         := .build/tools/ocb-$(OCB_VERSION)/builder
DIST_DIR    := .build/otelcol-eventhooks
DIST        := $(DIST_DIR)/otelcol-eventhooks
CONFIG      ?= examples/default.yaml

# contrib redis_storage v0.139.0 has no entry in the checksum database: its
# hash is pinned by the distribution's go.sum once fetched, without it.
export GONOSUMDB := github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/redisstorageextension

# The yardstick under load: the contrib webhookevent receiver in a
# distribution of the same shape. This project's builds can fetch it only at
# v0.156.0, which needs the collector of its own release: its own ocb.
WEBHOOKEVENT_OCB_VERSION := v0.156.0
WEBHOOKEVENT_OCB         := .build/tools/ocb-$(WEBHOOKEVENT_OCB_VERSION)/builder
WEBHOOKEVENT_DIST        := .build/otelcol-webhookevent/otelcol-webhookevent

# Real OTLP backends for the end-to-end test, built from their module
# sources, pinned, and kept outside the repository between runs.
BACKENDS_DIR            ?= $(HOME)/.cache/eventhooks-backends
VLOGS_VERSION           := v1.51.1-0.20260624061259-dc94972a8708
VICTORIAMETRICS_VERSION := v1.148.8
JAEGER_VERSION          := v1.76.0
VLOGS                   := $(BACKENDS_DIR)/victoria-logs-$(VLOGS_VERSION)
JAEGER                  := $(BACKENDS_DIR)/jaeger-$(JAEGER_VERSION)
# promtool checks and unit-tests examples/prometheus/alerts.yaml (a few
# minutes to build once: it brings Kubernetes' client along).
PROMTOOL_VERSION        := v0.316.0
PROMTOOL                := $(BACKENDS_DIR)/promtool-$(PROMTOOL_VERSION)

.PHONY: run test unit fuzz-short e2e soak haproxy build build-webhookevent backends bench demo fuzz lint generate clean redis-server

## run: build the distribution and run it on examples/default.yaml
run: build
	$(DIST) --config $(CONFIG)

## test: everything CI runs: lint, unit tests with the race detector and the fuzz seeds,
## every fuzz target for a few seconds, e2e
test: lint unit fuzz-short e2e

## fuzz-short: every fuzz target for FUZZSHORT each, so that a decoder that panics on
## an input it never met turns CI red the day it is written (make fuzz runs longer).
## A count of executions (about 10 s each here), not a duration: Go 1.26's fuzzer can
## fail a target with "context deadline exceeded" when its -fuzztime ends on a loaded
## machine (golang/go#75804, fixed in Go 1.27), and CI must not go red on that.
FUZZSHORT ?= 300000x
fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZSHORT)

## unit: the Go tests of the module, with the race detector (fuzz targets run their seeds),
## then the allocation limits, which only hold without it
unit: redis-server
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 -run '^TestDeliveryAllocations$$' ./webhookreceiver/
	$(GO) test -count=1 -run '^TestVerifyAllocatesNothing$$' ./webhookreceiver/internal/stdwebhooks/ ./webhookreceiver/internal/hmacsig/

## redis-server: the replica tests run a real one, from Debian's packages
redis-server:
	@command -v redis-server >/dev/null || { \
		echo "installing redis-server (Debian package) for the replica tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

## haproxy: the replicas' end-to-end test runs a real load balancer, from Debian's packages
haproxy:
	@command -v haproxy >/dev/null || { \
		echo "installing haproxy (Debian package) for the replicas' end-to-end test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null; }

## e2e: build the distribution and the backends, run them on loopback, send signed deliveries,
## read what came out; three replicas behind haproxy over one redis-server among them; then a
## short crash-loop soak (two kills, see soak)
E2E_ENV = OTELCOL_EVENTHOOKS=$(abspath $(DIST)) VICTORIA_LOGS=$(VLOGS) JAEGER=$(JAEGER) PROMTOOL=$(PROMTOOL)
e2e: build backends $(PROMTOOL) redis-server haproxy
	$(E2E_ENV) SOAK_DURATION=30s SOAK_KILLS=2 SOAK_REPORT=$(abspath .build/soak-short.txt) \
		$(GO) test -race -count=1 -timeout 20m -tags e2e -run '^TestE2E' ./webhookreceiver/
	@cat .build/soak-short.txt

## soak: the crash-loop soak of examples/backends.yaml with every platform, against the real
## backends: SOAK_KILLS SIGKILLs over SOAK_DURATION; last line "soak: N deliveries answered 200, ..."
SOAK_DURATION ?= 3m
SOAK_KILLS    ?= 12
soak: build backends
	$(E2E_ENV) SOAK_DURATION=$(SOAK_DURATION) SOAK_KILLS=$(SOAK_KILLS) SOAK_REPORT=$(abspath .build/soak.txt) \
		$(GO) test -count=1 -timeout 30m -tags e2e -v -run '^TestE2ESoak$$' ./webhookreceiver/ | grep -v '^=== RUN'
	@cat .build/soak.txt

## backends: VictoriaLogs and Jaeger v2, built once from their module sources into $(BACKENDS_DIR)
backends: $(VLOGS) $(JAEGER)

# VictoriaLogs wants a VictoriaMetrics version that the Go module proxy this
# project is built with does not serve:
# build a copy of its module with that dependency replaced by one it has.
$(VLOGS):
	mkdir -p $(BACKENDS_DIR)
	src=$$(mktemp -d) && cd $$src && \
	dir=$$($(GO) mod download -json github.com/VictoriaMetrics/VictoriaLogs@$(VLOGS_VERSION) | sed -n 's/.*"Dir": "\(.*\)",/\1/p') && \
	cp -r $$dir/. vl && chmod -R u+w vl && cd vl && \
	$(GO) mod edit -replace github.com/VictoriaMetrics/VictoriaMetrics=github.com/VictoriaMetrics/VictoriaMetrics@$(VICTORIAMETRICS_VERSION) && \
	{ $(GO) mod tidy -e >/dev/null 2>&1 || true; } && \
	$(GO) build -o $@ ./app/victoria-logs && cd / && rm -rf $$src

# Jaeger's go.mod has a replace directive, so go install refuses it: build a
# copy of its module (about 3.5 minutes and 2.3 GB once).
$(JAEGER):
	mkdir -p $(BACKENDS_DIR)
	src=$$(mktemp -d) && cd $$src && \
	dir=$$($(GO) mod download -json github.com/jaegertracing/jaeger@$(JAEGER_VERSION) | sed -n 's/.*"Dir": "\(.*\)",/\1/p') && \
	cp -r $$dir/. jaeger && chmod -R u+w jaeger && cd jaeger && \
	$(GO) build -o $@ ./cmd/jaeger && cd / && rm -rf $$src

$(PROMTOOL):
	mkdir -p $(BACKENDS_DIR)
	bin=$$(mktemp -d) && GOBIN=$$bin $(GO) install github.com/prometheus/prometheus/cmd/promtool@$(PROMTOOL_VERSION) && \
	mv $$bin/promtool $@ && rmdir $$bin

## build: the ocb distribution otelcol-eventhooks, in $(DIST_DIR)
# ocb's own `go mod tidy` fails on a test-only dependency of the contrib file
# exporter that the Go module proxy this project is built with does not serve:
# generate, tidy tolerantly, then compile.
build: $(OCB)
	rm -f $(DIST)
	mkdir -p $(DIST_DIR)
	$(OCB) --config builder-config.yaml >$(DIST_DIR).log 2>&1 || true
	@test -f $(DIST_DIR)/main.go || { cat $(DIST_DIR).log; echo "ocb did not generate the sources"; exit 1; }
	cd $(DIST_DIR) && $(GO) mod tidy -e >/dev/null 2>&1 || true
	$(OCB) --config builder-config.yaml --skip-generate --skip-get-modules
	@test -x $(DIST)

$(OCB):
	GOBIN=$(abspath $(dir $@)) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)
	@$@ version 2>&1 | grep -qx 'ocb version $(OCB_VERSION)' || { echo "$@ is not ocb $(OCB_VERSION)"; exit 1; }

## build-webhookevent: otelcol-webhookevent (contrib webhookevent → batch → nop), for `COLLECTOR=1 make bench`
build-webhookevent: $(WEBHOOKEVENT_OCB)
	$(WEBHOOKEVENT_OCB) --config webhookreceiver/internal/loadtest/webhookevent/builder-config.yaml >.build/otelcol-webhookevent.log 2>&1 || \
		{ cat .build/otelcol-webhookevent.log; exit 1; }

$(WEBHOOKEVENT_OCB):
	GOBIN=$(abspath $(dir $@)) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(WEBHOOKEVENT_OCB_VERSION)

## demo: with `make run` going in another terminal, send a signed day of deliveries from every platform
demo:
	$(GO) run ./webhookreceiver/internal/demo

## bench: Go micro-benchmarks (benchstat-friendly), then the load harness: the
## receiver against a bare net/http handler, same load, alternating; its last
## line is "ratio receiver/bare-net-http: X.XX". Before it, the peak RSS under an
## attack of uploads without a secret. COLLECTOR=1 also measures the built
## distribution the same ways, and the contrib webhookevent receiver's. Before
## the harness too, the lifecycles' scale table (internal/loadtest/README.md).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./...
	@if [ -n "$${COLLECTOR:-}" ]; then \
		$(MAKE) --no-print-directory build build-webhookevent && \
		$(GO) run ./webhookreceiver/internal/loadtest -collector $(abspath $(DIST)) && \
		$(GO) run ./webhookreceiver/internal/loadtest -webhookevent $(abspath $(WEBHOOKEVENT_DIST)) && \
		$(GO) run ./webhookreceiver/internal/loadtest -attack -collector $(abspath $(DIST)) && \
		$(GO) run ./webhookreceiver/internal/loadtest -attack -stall 60s -collector $(abspath $(DIST)); fi
	$(GO) run ./webhookreceiver/internal/loadtest -attack -stack component
	$(GO) run ./webhookreceiver/internal/loadtest -attack -stall 60s -stack component
	$(GO) run ./webhookreceiver/internal/loadtest -stack scale -rounds 3
	$(GO) run ./webhookreceiver/internal/loadtest -stack handler
	$(GO) run ./webhookreceiver/internal/loadtest -stack component

## fuzz: every fuzz target for FUZZTIME each (make test runs them for FUZZSHORT)
FUZZTIME ?= 30s
FUZZ_TARGETS := \
	internal/jsonpdata:FuzzParse internal/canonjson:FuzzAppend internal/stdwebhooks:FuzzVerify internal/hmacsig:FuzzVerify \
	internal/provider/attendee:FuzzVerify internal/provider/attendee:FuzzDecode \
	internal/provider/eventsair:FuzzDecode internal/provider/standardwebhooks:FuzzDecode internal/provider/hmac:FuzzDecode \
	internal/provider/iotum:FuzzVerify internal/provider/iotum:FuzzDecode \
	internal/provider/airmeet:FuzzVerify internal/provider/airmeet:FuzzDecode \
	internal/provider/zoom:FuzzVerify internal/provider/zoom:FuzzDecode
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) ./webhookreceiver/$$pkg || exit 1; \
	done

## lint: go vet and gofmt
lint:
	$(GO) vet ./...
	$(GO) vet -tags e2e ./webhookreceiver/
	@out=$$(gofmt -l webhookreceiver); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## generate: regenerate webhookreceiver/internal/metadata with mdatagen (pinned in internal/tools)
generate:
	cd webhookreceiver && $(GO) generate ./...

clean:
	rm -rf .build
