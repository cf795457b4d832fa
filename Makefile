# Cartable: `make dev` runs it with its dependencies and the demo data; `make test`
# runs the whole test suite against a throwaway stack.
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c
export PATH := /usr/local/go/bin:$(shell go env GOPATH 2>/dev/null)/bin:$(PATH)

DEV_STACK := .dev/stack
TEST_STACK := .dev/test
CLUSTER_DIR ?= .dev/cluster
export CLUSTER_DIR

.PHONY: dev test contract portal webtools screenshots bench build lint stack-up stack-down cluster cluster-down cluster-status cluster-test chaos k8s-test

## dev: start PostgreSQL and MinIO, migrate, load the demo data, serve on :8080
dev:
	STACK_DIR=$(DEV_STACK) deploy/dev/stack.sh up
	source $(DEV_STACK)/env
	echo "The stack keeps running after Ctrl-C; stop it with: make stack-down"
	go build -o bin/cartable ./cmd/cartable
	exec bin/cartable dev

## test: the contract's checks, then the whole suite, race detector on, against a throwaway stack
test: contract portal webtools k8s-test
	export STACK_DIR=$(TEST_STACK)
	trap 'deploy/dev/stack.sh down --purge' EXIT
	deploy/dev/stack.sh up
	source $(TEST_STACK)/env
	go test -race -count=1 -timeout 25m ./...
	# Tests that tusd's own data race would fail under -race (see cmd/cartable/tus_norace_test.go).
	go test -count=1 -timeout 5m -run 'NoRace|TusRacing' ./cmd/cartable/
	# Full-size bombs, which the race detector would take minutes to compress (see previewtest/race_on_test.go).
	go test -count=1 -timeout 5m ./previewtest/

## contract: lint api/openapi.yaml (Redocly, recommended-strict), generate the TypeScript
## client a portal developer would (openapi-typescript) and type-check a small client
## against it (tsc), with the pinned tools of api/contract (installed when missing or
## when the lock file changed).
contract:
	deploy/dev/npm-ci.sh api/contract
	cd api/contract
	# No telemetry or update check: CI reaches no host but the package registries.
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npm run --silent check

## portal: the npm packages (tus-js-client) of the portal guide's examples, docs/portal/*.mjs,
## which cmd/cartable/portal_test.go runs with node (installed when missing or when the
## lock file changed).
portal:
	deploy/dev/npm-ci.sh docs/portal

## webtools: what the web app's browser test needs (cmd/cartable/webapp_test.go): Debian's
## chromium, and axe-core pinned in web/e2e (installed when missing or when the lock file changed).
webtools:
	deploy/dev/npm-ci.sh web/e2e chromium:chromium,fonts-dejavu-core

## screenshots: run the web app's browser test and keep its screenshots in docs/screenshots
screenshots: webtools
	export STACK_DIR=$(TEST_STACK)
	trap 'deploy/dev/stack.sh down --purge' EXIT
	deploy/dev/stack.sh up
	source $(TEST_STACK)/env
	CARTABLE_SCREENSHOTS=docs/screenshots go test -count=1 -run TestWebApp -v ./cmd/cartable/ | grep -v '^=== '

## bench: the benchmarks (bench/), written to bench/results/ and BENCHMARKS.md
bench:
	export STACK_DIR=$(TEST_STACK)
	trap 'deploy/dev/stack.sh down --purge' EXIT
	deploy/dev/stack.sh up
	source $(TEST_STACK)/env
	# Thumbnails need no stack, only their peers (the stack installed libvips-dev for bimg).
	as_root() { if [ "$$(id -u)" = 0 ]; then "$$@"; else sudo "$$@"; fi; }
	apt_install() { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$$@"; }
	command -v vipsthumbnail >/dev/null || apt_install libvips-tools
	[ -x /usr/bin/convert ] || command -v magick >/dev/null || apt_install imagemagick
	command -v pdftoppm >/dev/null || apt_install poppler-utils
	go run ./bench/previews $(PREVIEWS_BENCH_FLAGS)
	# Converter bombs: the preview worker's peak with its converters, which needs LibreOffice and prlimit.
	if command -v soffice >/dev/null && command -v prlimit >/dev/null; then go run ./bench/bombs $(BOMBS_BENCH_FLAGS); \
	else echo "bench/bombs skipped: LibreOffice (soffice) or prlimit is not installed"; fi
	go run ./bench/uploads $(BENCH_FLAGS)
	# The 8:00 burst (300 x 5 MiB) with the antivirus off and on, in interleaved rounds.
	go run ./bench/antivirus $(ANTIVIRUS_BENCH_FLAGS)
	# The 8:00 rush of issue 17: 25 pupils send 60 photos and 10 PDFs, time to each thumbnail, on one node
	# on an API node with 1 and 2 workers, and with 1 worker pinned to a core of its own, antivirus off and on
	# (about 5 minutes on 2 cores);
	# RUSH_BENCH_FLAGS="-deployments 0 -antivirus on" for one scenario, "-quick" for a smoke run.
	go run ./bench/rush $(RUSH_BENCH_FLAGS)
	# What a NOTIFY in each transaction costs the commits, on the stack's PostgreSQL and on a private durable one (about 1 minute).
	go run ./bench/notify $(NOTIFY_BENCH_FLAGS)
	go run ./bench/sharing
	go run ./bench/collect $(COLLECT_BENCH_FLAGS)
	# WebDAV: PROPFIND of a 10,000-item folder, 1 GiB PUT and GET through /dav/ and /api/v1.
	go run ./bench/dav $(DAV_BENCH_FLAGS)
	# Assignments on the same million-item base (its own copy: a few minutes to generate);
	# ASSIGNMENTS_BENCH_FLAGS="-items 100000 -grants 20000" for a quick run on a smaller base.
	go run ./bench/assignments $(ASSIGNMENTS_BENCH_FLAGS)
	# Search by name and the media picker on the same million-item base, renamed as a school names
	# its files (its own copy: about 10 minutes in all on 2 busy cores, half of it generating);
	# SEARCH_BENCH_FLAGS="-items 100000 -grants 20000 -n 50" for a quick run on a smaller base.
	go run ./bench/search $(SEARCH_BENCH_FLAGS)
	# What a file costs PostgreSQL and S3 (rows and bytes per table), the basis of deploy/CAPACITY.md.
	go run ./bench/footprint $(FOOTPRINT_BENCH_FLAGS)
	# A collège's day on one API node (issue 18): the working set, the 8:00 burst, then a ramp of users until
	# p95 >= 500 ms or errors >= 0.1 % (about 6 minutes); LOAD_BENCH_FLAGS="-steps 100,200,400 -step 60s" for other
	# steps, "-target URL -pids PIDS" against a running deployment, "-quick" for a smoke run.
	go run ./bench/load $(LOAD_BENCH_FLAGS)

build:
	go build -o bin/cartable ./cmd/cartable

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...
	go mod tidy -diff
	cd deploy/k8s && go vet ./... && go mod tidy -diff

stack-up:
	STACK_DIR=$(DEV_STACK) deploy/dev/stack.sh up

stack-down:
	STACK_DIR=$(DEV_STACK) deploy/dev/stack.sh down

## cluster: MinIO in distributed mode (4 nodes, one erasure set of 4 drives), PostgreSQL with a
## streaming standby, 3 API nodes behind a round-robin proxy and 2 workers, on free ports under
## $(CLUSTER_DIR); writes $(CLUSTER_DIR)/env (see the README's "Cluster and deployment")
cluster:
	deploy/cluster/cluster.sh up

## cluster-down: stop the cluster (deploy/cluster/cluster.sh down --purge also deletes its data)
cluster-down:
	deploy/cluster/cluster.sh down

cluster-status:
	deploy/cluster/cluster.sh status

## cluster-test: the smoke test through the running cluster's proxy (deploy/cluster/smoke_test.go)
cluster-test:
	source $(CLUSTER_DIR)/env
	go test -count=1 -v -timeout 10m ./deploy/cluster/

## chaos: the fault tests (deploy/cluster/chaos_test.go) on a fresh cluster, then the smoke test on what
## is left of it (its PostgreSQL failed over), and the cluster purged (about 4 minutes once built)
chaos:
	deploy/cluster/cluster.sh down --purge
	trap 'deploy/cluster/cluster.sh down --purge' EXIT
	deploy/cluster/cluster.sh up
	source $(CLUSTER_DIR)/env
	CARTABLE_CHAOS=1 CARTABLE_CHAOS_FAILOVER=1 go test -count=1 -v -timeout 20m ./deploy/cluster/

## k8s-test: the Kubernetes manifests decoded strictly into the API's types (deploy/k8s, its own module)
k8s-test:
	cd deploy/k8s && go test -count=1 ./...
