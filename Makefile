# ERPCore developer commands. `make run` and `make test` work on a fresh machine with
# only the Swift toolchain and Debian's package registry: when DATABASE_URL is unset
# they provision a private PostgreSQL cluster (installing Debian's postgresql first
# when it is missing and we are root).

SHELL       := /bin/bash
SWIFT       ?= swift
CLUSTER     := ./.make/pg-cluster
RUN_DATA    := $(CURDIR)/.erp-data/run
# Where `make run` leaves its cluster's URL: `erp` run from this folder reads it when
# DATABASE_URL is unset.
URL_FILE    := $(CURDIR)/.erp-data/database-url
HOST        ?= 127.0.0.1
PORT        ?= 8080
BIN_DIR      = $(shell $(SWIFT) build --show-bin-path)

.PHONY: build run admin test lint bench bench-peers db-start db-stop clean help

help:
	@echo "make run      build, provision PostgreSQL when DATABASE_URL is unset, migrate, start erp serve"
	@echo "make admin EMAIL=you@example.in   create the first administrator (asks for the password)"
	@echo "make test     the lint step, then the whole test suite against a throwaway PostgreSQL"
	@echo "make lint     swift format lint --strict over Sources and Tests (.swift-format)"
	@echo "make bench    the event pipeline benchmark (release build, throwaway PostgreSQL)"
	@echo "make bench-peers  PgQueuer, python eventsourcing and Tryton beside ERPCore (PyPI, two throwaway clusters)"
	@echo "make db-start start the persistent cluster of make run (prints its DATABASE_URL)"
	@echo "make db-stop  stop it"

build:
	$(SWIFT) build

run: build
	@set -e; \
	if [ -z "$$DATABASE_URL" ]; then \
	    export DATABASE_URL=$$($(CLUSTER) start $(RUN_DATA)); \
	    echo "$$DATABASE_URL" > $(URL_FILE); \
	    echo "PostgreSQL: $$DATABASE_URL (data in $(RUN_DATA); make db-stop stops it)"; \
	fi; \
	"$(BIN_DIR)/erp" migrate; \
	key=""; \
	if [ -z "$$ERP_JWT_KEY" ] && [ -z "$$ERP_JWT_KEY_FILE" ]; then \
	    key=--dev-insecure-key; \
	    echo "WARNING: no ERP_JWT_KEY: tokens are signed with a key made up at start (--dev-insecure-key)."; \
	    echo "         They stop working when the server restarts. Set ERP_JWT_KEY in production."; \
	fi; \
	echo "Starting ERPCore on http://$(HOST):$(PORT)  (Ctrl-C stops it)"; \
	exec "$(BIN_DIR)/erp" serve --host $(HOST) --port $(PORT) $$key

# The first administrator, on the cluster of `make run` unless DATABASE_URL names another.
admin: build
	@if [ -z "$(EMAIL)" ]; then echo "usage: make admin EMAIL=you@example.in"; exit 2; fi
	@"$(BIN_DIR)/erp" users create-admin --email "$(EMAIL)"

# The cluster lives in a temporary folder that is removed however the tests end. It
# skips fsync: each test database is created and dropped, and every drop waits for a
# checkpoint that would otherwise flush all the others' pages to disk.
TEST_PG_OPTIONS := -c fsync=off -c full_page_writes=off
# SoloTests need the machine to themselves (they hold the cluster-wide visibility
# horizon, or time 200 deliveries at once), so they run on their own after the rest.
# The others hold a test database TEST_WIDTH at a time (TestSlots in Tests/Support):
# all at once, on a 2-core machine, each test would take as long as the whole suite
# and its waits would time out. Swift Testing's own experimental width is not used: it
# can deadlock (see TestSlots).
TEST_WIDTH ?= 12
RUN_TESTS = export ERP_TEST_WIDTH=$(TEST_WIDTH); \
	ERP_BINARY="$(BIN_DIR)/erp" $(SWIFT) test --skip-build --skip SoloTests && \
	ERP_BINARY="$(BIN_DIR)/erp" $(SWIFT) test --skip-build --filter SoloTests
# Any finding fails: long lines, undocumented public declarations, force unwraps, `try!`.
lint:
	$(SWIFT) format lint --strict --recursive --configuration .swift-format Sources Tests

test: lint
	@set -e; \
	$(SWIFT) build --build-tests; \
	if [ -n "$$DATABASE_URL" ]; then \
	    $(RUN_TESTS); exit $$?; \
	fi; \
	data=$$(mktemp -d /tmp/erp-test-pg.XXXXXX); \
	trap '$(CLUSTER) stop "$$data"; rm -rf "$$data"' EXIT; \
	export DATABASE_URL=$$(PG_CLUSTER_OPTIONS="$(TEST_PG_OPTIONS)" $(CLUSTER) start "$$data"); \
	echo "Test PostgreSQL: $$DATABASE_URL"; \
	$(RUN_TESTS)

# Release build; a throwaway cluster unless DATABASE_URL names a server. BENCH_ARGS
# passes options to erp-bench (see erp-bench --help), e.g. BENCH_ARGS="--runs 5".
bench:
	@set -e; \
	$(SWIFT) build -c release --product erp-bench; \
	$(SWIFT) build -c release --product erp; \
	bench="$$($(SWIFT) build -c release --show-bin-path)/erp-bench"; \
	if [ -n "$$DATABASE_URL" ]; then "$$bench" $(BENCH_ARGS); exit $$?; fi; \
	data=$$(mktemp -d /tmp/erp-bench-pg.XXXXXX); \
	trap '$(CLUSTER) stop "$$data"; rm -rf "$$data"' EXIT; \
	export DATABASE_URL=$$($(CLUSTER) start "$$data"); \
	echo "Benchmark PostgreSQL: $$DATABASE_URL"; \
	"$$bench" $(BENCH_ARGS)

# The peers (PgQueuer 1.6, python eventsourcing 9.5, Tryton 8.2) in virtual environments
# of their own under .build/peers, made from PyPI with the exact pins beside their
# scripts (again whenever a pin changes). ERPCore and the peers each get a throwaway
# cluster of the same settings, unless DATABASE_URL (and PEER_DATABASE_URL) name servers.
PEERS_DIR    := $(CURDIR)/.build/peers
PEER_SCRIPTS := $(CURDIR)/Sources/erp-bench/Peers
bench-peers:
	@set -e; \
	if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip; \
	    else echo "bench-peers needs python3 with venv (Debian: apt-get install python3-venv)"; exit 1; fi; \
	fi; \
	for peer in pgqueuer eventsourcing tryton; do \
	    pins="$(PEER_SCRIPTS)/requirements-$$peer.txt"; env="$(PEERS_DIR)/$$peer"; \
	    if [ ! -x "$$env/bin/python" ] || ! cmp -s "$$pins" "$$env/pins.txt"; then \
	        echo "Installing $$peer into $$env from PyPI ($$pins)"; \
	        rm -rf "$$env"; python3 -m venv "$$env"; \
	        "$$env/bin/pip" install --quiet --disable-pip-version-check -r "$$pins"; \
	        cp "$$pins" "$$env/pins.txt"; \
	    fi; \
	done; \
	$(SWIFT) build -c release --product erp-bench; \
	bench="$$($(SWIFT) build -c release --show-bin-path)/erp-bench"; \
	args="--only peers --peers $(PEERS_DIR) --peer-scripts $(PEER_SCRIPTS) $(BENCH_ARGS)"; \
	if [ -n "$$DATABASE_URL" ]; then \
	    "$$bench" $$args --peer-database-url "$${PEER_DATABASE_URL:-$$DATABASE_URL}"; exit $$?; \
	fi; \
	data=$$(mktemp -d /tmp/erp-bench-pg.XXXXXX); peerdata=$$(mktemp -d /tmp/erp-bench-peers-pg.XXXXXX); \
	trap '$(CLUSTER) stop "$$data"; $(CLUSTER) stop "$$peerdata"; rm -rf "$$data" "$$peerdata"' EXIT; \
	export DATABASE_URL=$$($(CLUSTER) start "$$data"); \
	peers=$$($(CLUSTER) start "$$peerdata"); \
	echo "Benchmark PostgreSQL: $$DATABASE_URL (ERPCore), $$peers (the peers)"; \
	"$$bench" $$args --peer-database-url "$$peers"

db-start:
	@url=$$($(CLUSTER) start $(RUN_DATA)); echo "$$url" > $(URL_FILE); echo "$$url"

db-stop:
	@$(CLUSTER) stop $(RUN_DATA); rm -f $(URL_FILE)

clean:
	$(SWIFT) package clean
