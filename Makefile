# The user's entry points. `make demo` and `make test` do all set-up themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := build

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
# `make fuzz` runs each target until FUZZ_RUNS executions, at most FUZZ_SECONDS: the fastest
# targets reach 10^6 in under a minute here, the slowest (kubeconfig, about 2 700/s once its
# corpus has grown) in about 7 minutes.
FUZZ_RUNS    ?= 1000000
FUZZ_SECONDS ?= 1200
CACHE      ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/certchaos
CP_DIR     := $(CACHE)/controlplane/current
PROMTOOL   := $(CACHE)/promtool/current
JOBS       ?= $(shell nproc)
# Integration and end-to-end binaries each start a control plane of their own on kernel-chosen
# ports and spend most of their time waiting on (time-compressed) certificate lifetimes: this
# many run at once.
PLANE_JOBS ?= 3
# Line tables only (-g1): backtraces keep file and line, and a build takes a quarter less time.
CMAKE_ARGS ?= -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"

export CERTCHAOS_CONTROLPLANE_DIR := $(CP_DIR)
export CERTCHAOS_PROMTOOL := $(PROMTOOL)
# The images `make images` writes (the node e2e test imports them into its node).
export CERTCHAOS_IMAGES_DIR := $(abspath $(BUILD))/images

.PHONY: deps build build-asan build-fuzz fuzz controlplane promtool test test-unit test-asan demo \
	up down format clean images node

deps:
	@scripts/deps.sh

# Both builds are warning-free and built with -Werror. (At -O1 and -O2, g++ 12's
# -fsanitize=address gave false -Warray-bounds/-Wstringop-* positives; the sanitizer build is at
# -Og, which gives none.)
build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_ARGS) -DCERTCHAOS_WERROR=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) $(CMAKE_ARGS) -DCERTCHAOS_SANITIZE=ON -DCERTCHAOS_WERROR=ON \
	  >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# The libFuzzer targets (test/fuzz), with clang, AddressSanitizer and UndefinedBehaviorSanitizer.
build-fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_CXX_COMPILER=clang++-16 -DCERTCHAOS_FUZZ=ON \
	  >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

# Runs each fuzz target over its corpus until FUZZ_RUNS executions or FUZZ_SECONDS; prints
# executions per target and fails on a crash.
fuzz: build-fuzz
	@FUZZ_RUNS=$(FUZZ_RUNS) scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# OCI images of certchaos-issuer, certchaos-demo-app and certchaos (the CLI) from the release build,
# and of the plane's cm-controller and pod sandbox (certchaos-cm-controller, certchaos-pause) for
# the node plane, without Docker or a registry (scripts/images.sh): OCI layouts, oci-archives and
# digests.txt in $(BUILD)/images. Reproducible: the same commit gives the same digests.
images: build node
	@CONTROLPLANE_BIN=$(CP_DIR)/bin scripts/images.sh $(BUILD)

# Builds kube-apiserver, etcd, kubectl and cm-controller from the pinned Go modules into the
# cache (keyed by their inputs) and points $(CP_DIR) at the build. helm is built from its own
# module and key (controlplane/tools/helm) and linked in as bin/helm: a plane built before helm
# was added gets it without a rebuild, and a helm bump rebuilds only helm.
controlplane: deps promtool
	@dir=$$(controlplane/build.sh) && helm=$$(controlplane/tools/helm/build.sh "$$dir") && \
	  ln -sfn "$$dir" $(CP_DIR) && echo "control plane: $$dir (helm: $$helm)"

# What `certchaos up --node` adds (controlplane/build-node.sh): kubelet, kube-proxy, kube-scheduler,
# kube-controller-manager (the plane's k8s.io/kubernetes), crictl and the pause program, into the
# cache under their own key and linked into $(CP_DIR)/bin. `up` without --node and `make demo`
# never wait for them.
node: controlplane
	@node=$$(controlplane/build-node.sh $(CP_DIR)) && echo "node: $$node"

# promtool, which checks /metrics in the tests, from its own pinned Go module into the cache
# (keyed by its inputs, apart from the control plane's key).
promtool: deps
	@tool=$$(controlplane/tools/promtool/build.sh) && mkdir -p $(dir $(PROMTOOL)) && \
	  ln -sfn "$$tool" $(PROMTOOL) && echo "promtool: $$tool"

SANITIZER_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1

# Unit tests on the normal build; then the whole suite on the AddressSanitizer +
# UndefinedBehaviorSanitizer build: unit tests in parallel, then the integration and end-to-end
# tests (each binary starts its own real local control plane) one at a time. Each fuzz target
# runs a few seconds over its corpus (the regression inputs included), so a crash fails too.
test: build build-asan build-fuzz controlplane node images
	@ctest --test-dir $(BUILD) -L unit --output-on-failure -j $(JOBS)
	@$(SANITIZER_ENV) ctest --test-dir $(ASAN_BUILD) -L unit --output-on-failure -j $(JOBS)
	@ctest --test-dir $(FUZZ_BUILD) -L fuzz --output-on-failure -j $(JOBS)
	@$(SANITIZER_ENV) ctest --test-dir $(ASAN_BUILD) -LE unit --output-on-failure -j $(PLANE_JOBS)

# (the images test packs the plane's cm-controller and pause too)
test-unit: build promtool node
	@ctest --test-dir $(BUILD) -L unit --output-on-failure -j $(JOBS)

# Builds and runs the benchmarks, each on a local control plane of its own, and prints their
# figures: an Informer's list+watch of 10 000 ConfigMaps; issuance through certchaos-issuer
# against cert-manager's CA issuer; the issuer's memory with CACHE_REQUESTS issued
# CertificateRequests in the cluster, against cm-controller's.
CACHE_REQUESTS ?= 20000
# issuance_bench's sizes (issue 11's defaults; smaller for a quick run, e.g.
# `make bench BENCH_CERTIFICATES=50 BENCH_HOL_REQUESTS=20 BENCH_HOL_HELD=5 BENCH_DELAY_REQUESTS=10`)
# and cm-controller's client rate limit on its plane (high enough not to be the bottleneck).
BENCH_CERTIFICATES ?= 500
BENCH_HOL_REQUESTS ?= 200
BENCH_HOL_HELD ?= 50
BENCH_DELAY_REQUESTS ?= 100
BENCH_CM_QPS ?= 1000
BENCH_CM_BURST ?= 2000
.PHONY: bench
bench: build controlplane
	@test -x $(BUILD)/bin/kube_list_watch_bench || { echo "no benchmarks in $(BUILD): cmake did \
	not find Google Benchmark (libbenchmark-dev; make deps installs it)" >&2; exit 1; }
	@$(BUILD)/bin/kube_list_watch_bench --benchmark_counters_tabular=true
	@BENCH_CERTIFICATES=$(BENCH_CERTIFICATES) BENCH_HOL_REQUESTS=$(BENCH_HOL_REQUESTS) \
	  BENCH_HOL_HELD=$(BENCH_HOL_HELD) BENCH_DELAY_REQUESTS=$(BENCH_DELAY_REQUESTS) \
	  BENCH_CM_QPS=$(BENCH_CM_QPS) BENCH_CM_BURST=$(BENCH_CM_BURST) \
	  BENCH_COMMIT=$$(git rev-parse --short HEAD 2>/dev/null) BENCH_RESULTS=bench/results.json \
	  $(BUILD)/bin/issuance_bench --benchmark_counters_tabular=true
	@$(BUILD)/bin/issuer_cache_bench $(CACHE_REQUESTS)

# The fleet (issue 11): FLEET ECDSA P-256 Certificates to Ready on cert-manager's CA issuer and on a
# ChaosIssuer, then all renewed at once (the storm); time to all Ready (ratio), peak issuer RSS,
# peak requests in flight, requests lost. `make bench-fleet FLEET=500` for a quick run.
FLEET ?= 20000
.PHONY: bench-fleet
bench-fleet: build controlplane
	@FLEET=$(FLEET) BENCH_CM_QPS=$(BENCH_CM_QPS) BENCH_CM_BURST=$(BENCH_CM_BURST) \
	  BENCH_COMMIT=$$(git rev-parse --short HEAD 2>/dev/null) BENCH_RESULTS=bench/results.json \
	  $(BUILD)/bin/fleet_bench

demo: build controlplane
	@scripts/demo.sh $(BUILD)/bin

up: build controlplane
	@$(BUILD)/bin/certchaos up

down:
	@$(BUILD)/bin/certchaos down

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
