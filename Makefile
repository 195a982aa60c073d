# gl001 — the two commands a newcomer needs are `make run` and `make test`.
# Nothing but Go is required: the go command fetches every module.

GO      ?= go
BIN     := bin/gl001
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
# The race detector needs cgo; without a C compiler the tests still run.
RACE    := $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC)" >/dev/null 2>&1 && echo -race)

.PHONY: all build image run test test-js test-kube vet bench bench-peers fuzz fmt clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/gl001

# The image of deploy/k8s's Job and stand-in, with no docker daemon: a
# static linux binary as one layer on an empty base, user 65532, written
# as an OCI image layout in bin/image (cmd/gl001-image). Load it with e.g.
# `skopeo copy oci:bin/image docker://REGISTRY/gl001:TAG` or
# `kind load image-archive` of a tar of it; the Dockerfile builds the same
# image where docker is. IMAGE=name:tag, IMAGE_ARCH=arm64.
IMAGE      ?= ghcr.io/greenlang/gl001:$(VERSION)
IMAGE_ARCH ?= $(shell $(GO) env GOARCH)
image:
	CGO_ENABLED=0 GOOS=linux GOARCH=$(IMAGE_ARCH) $(GO) build -trimpath -ldflags "$(LDFLAGS) -s -w" -o bin/linux-$(IMAGE_ARCH)/gl001 ./cmd/gl001
	$(GO) run ./cmd/gl001-image -binary bin/linux-$(IMAGE_ARCH)/gl001 -arch $(IMAGE_ARCH) -tag $(IMAGE) -o bin/image

# The main job: the calculator's plan for the guide's fleet (15 plants,
# 75 sub-agents), then the short load test against the stand-in deployment
# (about two minutes). SCENARIO=multi_plant_load_test.json runs the guide's
# full 30-minute scenario instead.
SCENARIO ?= short_load_test.json
PLANTS   ?= 15
AGENTS   ?= 75
run: build
	./$(BIN) capacity --plants $(PLANTS) --agents $(AGENTS)
	@echo
	./$(BIN) run $(SCENARIO)

# vet takes the tests' build flags (-race), so the packages it compiles for
# its checks are the ones go test then links: one compile of the tree, not
# two (on a cold cache, 4 min instead of 6 on 2 cores).
vet:
	$(GO) vet $(RACE) ./...

test: vet test-js
	$(GO) test $(RACE) ./...

# The k6 module's logic and wiring under Node's own test runner (Node 20+,
# no npm packages): k6's modules are stood in for by xk6-gl001/js/testdata.
# Without node on PATH it says so and skips (CI has Node 20).
NODE ?= node
test-js:
	@if command -v $(NODE) >/dev/null 2>&1; then \
	  echo "$(NODE) --test xk6-gl001/js/gl001.test.js"; $(NODE) --test xk6-gl001/js/gl001.test.js; \
	else echo "test-js: $(NODE) not found, the k6 module's tests are skipped"; fi

# Opt-in, not part of `make test`: deploy/k8s's manifests and RBAC against a
# real kube-apiserver v1.37.2 and etcd on 127.0.0.1 (no kubelet: nothing
# runs). Every overlay through apply --dry-run=server, the launcher's RBAC
# applied and checked with a token of ServiceAccount gl001 (may do what the
# code does, nothing more), --kube's sampler reading the guide's HPA, and
# --kube-shards' Job created and deleted on SIGINT. Needs etcd (apt-get install
# etcd-server, done by the script as root); builds kube-apiserver from
# k8s.io/kubernetes once into ~/.cache/gl001-kube (GL001_KUBE_CACHE), 4-8
# minutes on 2 cores. See deploy/k8s/test-kube.sh.
test-kube:
	GO=$(GO) bash deploy/k8s/test-kube.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# gl001's generator beside its peers on one loopback sink (bin/gl001-sink):
# vegeta (go install'd into bin/peers/), and k6 and wrk when they are on
# PATH; prints CPU, RSS and p99 per tool and the gl001/vegeta ratios
# against the goals. RATE=3000 DURATION=15 SEARCH=1 K6=path
# BENCH_PEERS_STRICT=1 ...: see xk6-gl001/bench/peers.sh.
bench-peers:
	GO=$(GO) bash xk6-gl001/bench/peers.sh

# Each fuzz target for a short while; FUZZTIME=5m for a longer look.
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

fmt:
	gofmt -s -w .

clean:
	rm -rf bin
