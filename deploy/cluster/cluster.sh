#!/usr/bin/env bash
# A whole Cartable cluster on this one machine, on free ports, with its data under
# $CLUSTER_DIR (default .dev/cluster, ignored by git):
#
#   - MinIO in distributed mode: 4 server processes with one drive (folder) each,
#     one erasure set of 4 drives (EC:2: any 2 drives or nodes may be lost for reads,
#     1 for writes), behind an S3 proxy (cartable-proxy) that skips a dead node;
#   - PostgreSQL: a primary and a streaming-replication standby (pg_basebackup -R,
#     with a replication slot), both private clusters;
#   - 3 API nodes (`cartable serve -jobs=false`) behind the API proxy
#     (cartable-proxy, round robin, health-checked on /readyz), and 2 worker nodes
#     (`cartable worker`: previews, sweepers), all sharing the database and bucket;
#     the migrations and the demo directory are applied once, before any node starts.
#
#   deploy/cluster/cluster.sh up             start (or reuse) the cluster, write $CLUSTER_DIR/env
#   deploy/cluster/cluster.sh down [--purge] stop it; --purge also deletes its data
#   deploy/cluster/cluster.sh status         say what runs, where, and the erasure and replication state
#   deploy/cluster/cluster.sh env            print the clients' environment
#
# and, for the fault tests (make chaos, deploy/cluster/chaos_test.go):
#
#   deploy/cluster/cluster.sh kill NAME...   SIGKILL components (api2, worker1, minio3, s3-proxy…);
#                                            `up` starts them again
#   deploy/cluster/cluster.sh pg-stop        stop the primary at once (-m immediate); `up` starts it
#   deploy/cluster/cluster.sh failover       stop the primary at once and promote the standby: the
#                                            nodes' URL names both servers with
#                                            target_session_attrs=read-write, so their new
#                                            connections find the new primary by themselves. The old
#                                            primary is never started again (it would be a second
#                                            primary): `down --purge` ends such a cluster
#
# It installs what is missing as deploy/dev/stack.sh does (PostgreSQL, MinIO,
# libvips-dev) and is idempotent: `up` twice restarts only what is not running.
# The nodes run in dev mode (tokens from GET /dev/token, the demo collège), with
# CARTABLE_TRUSTED_PROXIES=127.0.0.1 so that the API believes the proxy's
# X-Forwarded-For. CLUSTER_API_NODES, CLUSTER_WORKERS and CLUSTER_MINIO_NODES
# (at least 4) change the counts.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CLUSTER_DIR=${CLUSTER_DIR:-.dev/cluster}
case "$CLUSTER_DIR" in /*) ;; *) CLUSTER_DIR="$root/$CLUSTER_DIR" ;; esac
API_NODES=${CLUSTER_API_NODES:-3}
WORKERS=${CLUSTER_WORKERS:-2}
MINIO_NODES=${CLUSTER_MINIO_NODES:-4}
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_USER=cartable
MINIO_PASSWORD=cartable-cluster-secret
BIN="$CLUSTER_DIR/bin"

log() { echo "cluster: $*" >&2; }
die() {
	log "$*"
	exit 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
	log "installing $*"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_bin() {
	local dir
	dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

minio_bin() {
	command -v minio 2>/dev/null && return
	local gobin
	gobin="$(go env GOPATH)/bin/minio"
	[ -x "$gobin" ] && echo "$gobin"
}

install_missing() {
	if ! pkg-config --exists vips 2>/dev/null; then apt_install libvips-dev pkg-config; fi
	if [ -z "$(pg_bin)" ]; then apt_install postgresql; fi
	if [ -z "$(minio_bin)" ]; then
		log "installing MinIO (go install, a few minutes the first time)"
		GOFLAGS= go install "github.com/minio/minio@$MINIO_VERSION"
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# port NAME prints the port of a component, chosen once and kept in $CLUSTER_DIR/ports/NAME
# (a restarted component comes back where its peers and the env file expect it).
port() {
	local f="$CLUSTER_DIR/ports/$1"
	[ -s "$f" ] || free_port >"$f"
	cat "$f"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# wait_for URL WHAT PIDFILE LOG waits until URL answers 2xx, or its process died.
wait_for() {
	for _ in $(seq 1 240); do
		curl -fs -o /dev/null "$1" && return
		alive "$3" || {
			tail -n 30 "$4" >&2
			die "$2 did not start (log: $4)"
		}
		sleep 0.5
	done
	die "$2 did not answer on $1 within 2 minutes (log: $4)"
}

# start NAME LOG ENV... -- COMMAND... runs one process in the background, unless its
# pid file says it already runs.
start() {
	local name=$1 logfile=$2
	shift 2
	local envs=()
	while [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	shift
	alive "$CLUSTER_DIR/pids/$name" && return
	env "${envs[@]}" nohup "$@" >>"$logfile" 2>&1 &
	echo $! >"$CLUSTER_DIR/pids/$name"
}

# PostgreSQL refuses to run as root: as root, the clusters belong to the postgres user.
pg_run() {
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_running() { pg_run "$(pg_bin)/pg_ctl" -D "$1" status >/dev/null 2>&1; }

psql_at() {
	local p=$1
	shift
	pg_run "$(pg_bin)/psql" -h 127.0.0.1 -p "$p" -U cartable -d postgres -qtAX "$@"
}

# pg_start DIR PORT starts one PostgreSQL cluster. A throwaway cluster: fsync is off
# for speed, but full_page_writes stays on, which pg_basebackup needs.
pg_start() {
	pg_run "$(pg_bin)/pg_ctl" -D "$1/data" -l "$1/log" -w -t 120 start -o \
		"-p $2 -k $1 -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 -c wal_level=replica -c max_wal_senders=10 -c hot_standby=on" >/dev/null
}

start_primary() {
	local dir="$CLUSTER_DIR/pg-primary" p
	p=$(port pg-primary)
	if [ -e "$CLUSTER_DIR/failed-over" ]; then
		log "the primary was failed over to the standby: it stays down (make cluster-down, then deploy/cluster/cluster.sh down --purge to start afresh)"
		return
	fi
	pg_running "$dir/data" && return
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		# initdb's pg_hba.conf already lets 127.0.0.1 connect for replication (trust).
		pg_run "$(pg_bin)/initdb" -D "$dir/data" -U cartable --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
	fi
	pg_start "$dir" "$p"
	psql_at "$p" -c "SELECT 1 FROM pg_database WHERE datname = 'cartable'" | grep -q 1 ||
		psql_at "$p" -c "CREATE DATABASE cartable" >/dev/null
	log "PostgreSQL primary on 127.0.0.1:$p"
}

# start_standby clones the primary with pg_basebackup -R (which writes
# primary_conninfo and standby.signal) through a replication slot, so the primary
# keeps the WAL the standby has not received yet.
start_standby() {
	local dir="$CLUSTER_DIR/pg-standby" p
	p=$(port pg-standby)
	pg_running "$dir/data" && return
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		local slot=()
		psql_at "$(port pg-primary)" -c "SELECT 1 FROM pg_replication_slots WHERE slot_name = 'cartable_standby'" | grep -q 1 || slot=(-C)
		pg_run "$(pg_bin)/pg_basebackup" -h 127.0.0.1 -p "$(port pg-primary)" -U cartable -D "$dir/data" \
			-R -X stream "${slot[@]}" -S cartable_standby -c fast
	fi
	pg_start "$dir" "$p"
	log "PostgreSQL standby on 127.0.0.1:$p, streaming from the primary"
}

# wait_streaming waits until the standby streams from the primary again. A standby
# whose primary was stopped asks again every 5 s (wal_retrieve_retry_interval), so
# without this wait `up` could say ready while the primary's commits reach no
# standby, and a failover just after would lose them all.
wait_streaming() {
	[ -e "$CLUSTER_DIR/failed-over" ] && return
	local primary i n
	primary=$(port pg-primary)
	for i in $(seq 1 120); do
		n=$(psql_at "$primary" -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null || true)
		[ "${n:-0}" -ge 1 ] && return
		sleep 0.5
	done
	die "the standby is not streaming from the primary after 60 s: see $CLUSTER_DIR/pg-standby/log"
}

# start_minio runs MinIO in distributed mode: each node is told every node's drive,
# and they format one erasure set together. MINIO_CI_CD lets MinIO use folders of the
# root disk as drives (it refuses them otherwise); _MINIO_SERVER_LOCAL tells a node
# which endpoint is its own, since in a container MinIO will not decide that from a
# loopback address.
start_minio() {
	local endpoints=() i
	for i in $(seq 1 "$MINIO_NODES"); do
		mkdir -p "$CLUSTER_DIR/minio/drive$i"
		endpoints+=("http://127.0.0.1:$(port "minio$i")$CLUSTER_DIR/minio/drive$i")
	done
	for i in $(seq 1 "$MINIO_NODES"); do
		start "minio$i" "$CLUSTER_DIR/minio/node$i.log" \
			MINIO_ROOT_USER=$MINIO_USER MINIO_ROOT_PASSWORD=$MINIO_PASSWORD MINIO_BROWSER=off MINIO_CI_CD=1 \
			_MINIO_SERVER_LOCAL="127.0.0.1:$(port "minio$i")" -- \
			"$(minio_bin)" server --quiet --address "127.0.0.1:$(port "minio$i")" \
			--console-address "127.0.0.1:$(port "minio$i-console")" "${endpoints[@]}"
	done
	# /minio/health/cluster answers 200 once the erasure set has its write quorum,
	# /minio/health/cluster/read once it has its read quorum, as this node sees it.
	# Every node is waited for: right after a restart, a node that does not see its
	# peers yet answered 404 for an object another node had just written.
	for i in $(seq 1 "$MINIO_NODES"); do
		wait_for "http://127.0.0.1:$(port "minio$i")/minio/health/cluster" "MinIO node $i" "$CLUSTER_DIR/pids/minio$i" "$CLUSTER_DIR/minio/node$i.log"
		wait_for "http://127.0.0.1:$(port "minio$i")/minio/health/cluster/read" "MinIO node $i (reads)" "$CLUSTER_DIR/pids/minio$i" "$CLUSTER_DIR/minio/node$i.log"
	done
	local backends=()
	for i in $(seq 1 "$MINIO_NODES"); do backends+=("http://127.0.0.1:$(port "minio$i")"); done
	start s3-proxy "$CLUSTER_DIR/s3-proxy.log" PATH="$PATH" -- "$BIN/cartable-proxy" -listen "127.0.0.1:$(port s3-proxy)" \
		-backends "$(
			IFS=,
			echo "${backends[*]}"
		)" -health-path /minio/health/live
	wait_for "http://127.0.0.1:$(port s3-proxy)/minio/health/live" "the S3 proxy" "$CLUSTER_DIR/pids/s3-proxy" "$CLUSTER_DIR/s3-proxy.log"
	log "MinIO: $MINIO_NODES nodes, one drive each, erasure set of $MINIO_NODES drives (write quorum $(write_quorum)); S3 proxy on 127.0.0.1:$(port s3-proxy)"
}

# minio_drives prints each MinIO drive's state from the admin API (what `mc admin
# info` shows): ok, or healing after a drive was replaced or wiped.
minio_drives() {
	curl -fs -H "X-Amz-Content-Sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
		--aws-sigv4 "aws:amz:us-east-1:s3" --user "$MINIO_USER:$MINIO_PASSWORD" \
		"http://127.0.0.1:$(port minio1)/minio/admin/v3/info" | python3 -c '
import json, sys
for server in json.load(sys.stdin).get("servers", []):
    for d in server.get("drives", []):
        heal = d.get("healInfo") or {}
        healing = " (healing: %s objects healed)" % heal.get("objects_healed", 0) if d.get("healing") else ""
        print("MinIO drive %s: %s%s" % (d.get("path"), d.get("state"), healing))
'
}

write_quorum() {
	curl -fsI "http://127.0.0.1:$(port minio1)/minio/health/cluster" 2>/dev/null | tr -d '\r' |
		sed -n 's/^[Xx]-[Mm]inio-[Ww]rite-[Qq]uorum: //p'
}

build() {
	mkdir -p "$BIN"
	log "building cartable and cartable-proxy"
	(cd "$root" && go build -o "$BIN/cartable" ./cmd/cartable && go build -o "$BIN/cartable-proxy" ./cmd/cartable-proxy)
}

# node_env is the configuration every Cartable node of the cluster shares.
node_env() {
	cat <<ENV
CARTABLE_DATABASE_URL=postgres://cartable@127.0.0.1:$(port pg-primary),127.0.0.1:$(port pg-standby)/cartable?sslmode=disable&target_session_attrs=read-write
CARTABLE_S3_ENDPOINT=127.0.0.1:$(port s3-proxy)
CARTABLE_S3_ACCESS_KEY=$MINIO_USER
CARTABLE_S3_SECRET_KEY=$MINIO_PASSWORD
CARTABLE_S3_BUCKET=cartable
CARTABLE_S3_REGION=us-east-1
CARTABLE_S3_TLS=false
CARTABLE_DEV=true
CARTABLE_PUBLIC_URL=http://127.0.0.1:$(port api-proxy)
CARTABLE_TRUSTED_PROXIES=127.0.0.1
CARTABLE_DB_MAX_CONNS=16
CARTABLE_PREVIEW_WORKERS=1
CARTABLE_SHUTDOWN_TIMEOUT=5s
ENV
}

# migrate applies the migrations and loads the demo directory, once, before any node
# starts: serve and worker refuse a schema that is behind.
migrate() {
	local envs
	mapfile -t envs < <(node_env)
	env "${envs[@]}" "$BIN/cartable" migrate >>"$CLUSTER_DIR/migrate.log" 2>&1 || die "migrate failed (log: $CLUSTER_DIR/migrate.log)"
	env "${envs[@]}" "$BIN/cartable" import "$root/deploy/dev/demo.json" >>"$CLUSTER_DIR/migrate.log" 2>&1 || die "the demo directory did not load (log: $CLUSTER_DIR/migrate.log)"
	log "migrations applied, demo collège loaded"
}

start_nodes() {
	local envs i backends=()
	mapfile -t envs < <(node_env)
	for i in $(seq 1 "$API_NODES"); do
		mkdir -p "$CLUSTER_DIR/api$i/tmp"
		start "api$i" "$CLUSTER_DIR/api$i/log" "${envs[@]}" CARTABLE_LISTEN="127.0.0.1:$(port "api$i")" \
			CARTABLE_UPLOAD_TEMP_DIR="$CLUSTER_DIR/api$i/tmp" -- "$BIN/cartable" serve -jobs=false
		backends+=("http://127.0.0.1:$(port "api$i")")
	done
	for i in $(seq 1 "$WORKERS"); do
		mkdir -p "$CLUSTER_DIR/worker$i/tmp"
		start "worker$i" "$CLUSTER_DIR/worker$i/log" "${envs[@]}" TMPDIR="$CLUSTER_DIR/worker$i/tmp" -- "$BIN/cartable" worker
	done
	for i in $(seq 1 "$API_NODES"); do
		wait_for "http://127.0.0.1:$(port "api$i")/readyz" "API node $i" "$CLUSTER_DIR/pids/api$i" "$CLUSTER_DIR/api$i/log"
	done
	start api-proxy "$CLUSTER_DIR/api-proxy.log" PATH="$PATH" -- "$BIN/cartable-proxy" -listen "127.0.0.1:$(port api-proxy)" \
		-backends "$(
			IFS=,
			echo "${backends[*]}"
		)" -health-path /readyz
	wait_for "http://127.0.0.1:$(port api-proxy)/readyz" "the API proxy" "$CLUSTER_DIR/pids/api-proxy" "$CLUSTER_DIR/api-proxy.log"
	log "$API_NODES API nodes and $WORKERS workers; the API on http://127.0.0.1:$(port api-proxy)"
}

write_env() {
	local i nodes=() drives=()
	for i in $(seq 1 "$API_NODES"); do nodes+=("127.0.0.1:$(port "api$i")"); done
	for i in $(seq 1 "$MINIO_NODES"); do drives+=("$CLUSTER_DIR/minio/drive$i"); done
	{
		echo "export CARTABLE_CLUSTER_URL='http://127.0.0.1:$(port api-proxy)'"
		echo "export CARTABLE_CLUSTER_DIR='$CLUSTER_DIR'"
		echo "export CARTABLE_CLUSTER_API_NODES='$(
			IFS=,
			echo "${nodes[*]}"
		)'"
		echo "export CARTABLE_CLUSTER_MINIO_DRIVES='$(
			IFS=,
			echo "${drives[*]}"
		)'"
		echo "export CARTABLE_CLUSTER_MINIO_NODE='127.0.0.1:$(port minio1)'"
		echo "export CARTABLE_STANDBY_DATABASE_URL='postgres://cartable@127.0.0.1:$(port pg-standby)/cartable?sslmode=disable'"
		node_env | grep -E '^CARTABLE_(DATABASE_URL|S3_)' | sed "s/^\([A-Z0-9_]*\)=\(.*\)$/export \1='\2'/"
	} >"$CLUSTER_DIR/env.tmp"
	mv "$CLUSTER_DIR/env.tmp" "$CLUSTER_DIR/env"
}

up() {
	[ "$MINIO_NODES" -ge 4 ] || die "CLUSTER_MINIO_NODES must be at least 4 (an erasure set needs 4 drives)"
	mkdir -p "$CLUSTER_DIR/ports" "$CLUSTER_DIR/pids"
	install_missing
	build
	start_primary
	start_standby
	start_minio
	migrate
	start_nodes
	wait_streaming
	write_env
	log "ready: source $CLUSTER_DIR/env (make cluster-status, make cluster-test, make cluster-down)"
}

# stop NAME stops one process: SIGTERM, then SIGKILL after 10 s.
stop() {
	local f="$CLUSTER_DIR/pids/$1" pid
	alive "$f" || {
		rm -f "$f"
		return
	}
	pid=$(cat "$f")
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$f"
}

down() {
	local f name
	# Clients first, then the stores: the proxies, the nodes, MinIO, the standby, the primary.
	for name in api-proxy; do stop "$name"; done
	for f in "$CLUSTER_DIR"/pids/api* "$CLUSTER_DIR"/pids/worker* "$CLUSTER_DIR"/pids/s3-proxy "$CLUSTER_DIR"/pids/minio*; do
		[ -e "$f" ] && stop "$(basename "$f")"
	done
	for name in pg-standby pg-primary; do
		if [ -f "$CLUSTER_DIR/$name/data/PG_VERSION" ] && [ -n "$(pg_bin)" ]; then
			pg_run "$(pg_bin)/pg_ctl" -D "$CLUSTER_DIR/$name/data" -m fast -w stop >/dev/null 2>&1 || true
		fi
	done
	log "stopped"
	if [ "${1:-}" = "--purge" ]; then
		rm -rf "$CLUSTER_DIR"
		log "data deleted"
	fi
}

status() {
	local name state
	[ -d "$CLUSTER_DIR/ports" ] || {
		echo "no cluster under $CLUSTER_DIR"
		return
	}
	for name in pg-primary pg-standby; do
		if pg_running "$CLUSTER_DIR/$name/data"; then state="running"; else state="stopped"; fi
		echo "PostgreSQL $name: $state on 127.0.0.1:$(port "$name")"
	done
	if pg_running "$CLUSTER_DIR/pg-primary/data"; then
		echo "  replication: $(psql_at "$(port pg-primary)" -c "SELECT coalesce(string_agg(application_name || ' ' || state || ' ' || sync_state || ', replay lag ' || coalesce(replay_lag::text, '0'), '; '), 'no standby connected') FROM pg_stat_replication")"
	fi
	for f in "$CLUSTER_DIR"/pids/*; do
		[ -e "$f" ] || continue
		name=$(basename "$f")
		if alive "$f"; then state="running (pid $(cat "$f"))"; else state="stopped"; fi
		case "$name" in worker*) echo "$name: $state" ;; *) echo "$name: $state on 127.0.0.1:$(port "$name")" ;; esac
	done
	minio_drives || true
	local q
	q=$(write_quorum || true)
	if [ -n "$q" ]; then
		echo "MinIO erasure set: $MINIO_NODES drives, write quorum $q (health/cluster: 200)"
	else
		echo "MinIO erasure set: no write quorum (health/cluster did not answer 200)"
	fi
	curl -fs -o /dev/null "http://127.0.0.1:$(port api-proxy)/readyz" 2>/dev/null &&
		echo "API: ready on http://127.0.0.1:$(port api-proxy)" || echo "API: not ready"
}

# kill_now NAME... SIGKILLs components, as a crash would.
kill_now() {
	local name f
	for name in "$@"; do
		f="$CLUSTER_DIR/pids/$name"
		alive "$f" || die "$name is not running"
		kill -9 "$(cat "$f")"
		# Gone before `up` looks: a process still exiting would look alive to it.
		for _ in $(seq 1 50); do alive "$f" || break; sleep 0.1; done
		log "killed $name"
	done
}

pg_stop_now() {
	pg_run "$(pg_bin)/pg_ctl" -D "$CLUSTER_DIR/pg-primary/data" -m immediate -w stop >/dev/null
	log "PostgreSQL primary stopped (immediate)"
}

# failover stops the primary as a crash would and promotes the standby. With
# asynchronous replication, what the primary committed and the standby had not
# received yet is lost; see the README's "Cluster and deployment".
failover() {
	pg_stop_now
	pg_run "$(pg_bin)/pg_ctl" -D "$CLUSTER_DIR/pg-standby/data" -w promote >/dev/null
	touch "$CLUSTER_DIR/failed-over" # from now on, `up` never starts the old primary
	log "the standby on 127.0.0.1:$(port pg-standby) is the primary now"
}

case "${1:-}" in
up) up ;;
kill)
	shift
	kill_now "$@"
	;;
pg-stop) pg_stop_now ;;
failover) failover ;;
down) down "${2:-}" ;;
env) cat "$CLUSTER_DIR/env" ;;
status) status ;;
*)
	echo "usage: $0 up|down [--purge]|env|status|kill NAME...|pg-stop|failover" >&2
	exit 2
	;;
esac
