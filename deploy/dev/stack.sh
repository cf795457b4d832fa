#!/usr/bin/env bash
# The dev and test stack of Cartable: a private PostgreSQL cluster and a MinIO server
# on free ports, with their data under $STACK_DIR (default .dev/stack, ignored by git).
# It installs what is missing (PostgreSQL server, MinIO, libvips-dev, and the preview
# converters: poppler-utils, ffmpeg, LibreOffice; CARTABLE_SKIP_PREVIEW_TOOLS=1 skips
# the converters) and is idempotent:
# `up` twice reuses what runs.
#
#   deploy/dev/stack.sh up            start (or reuse) the stack, write $STACK_DIR/env
#   deploy/dev/stack.sh down [--purge] stop it; --purge also deletes its data
#   deploy/dev/stack.sh env           print the environment of the running stack
#   deploy/dev/stack.sh status        say what runs
#
# CARTABLE_DATABASE_URL or CARTABLE_S3_ENDPOINT set in the environment replace the
# private PostgreSQL or MinIO: the stack then starts only what is not given.
#
# The antivirus: clamav-daemon is installed (CARTABLE_SKIP_CLAMAV=1 skips it) and a
# private clamd started on a socket under $STACK_DIR, whose env then sets
# CARTABLE_CLAMD. No machine here reaches ClamAV's signature mirrors, so it loads
# the signatures found in /var/lib/clamav (freshclam's, when a machine has them)
# and always the test signature of the EICAR file, so that the dev stack blocks it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STACK_DIR=${STACK_DIR:-.dev/stack}
case "$STACK_DIR" in /*) ;; *) STACK_DIR="$root/$STACK_DIR" ;; esac
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_USER=cartable
MINIO_PASSWORD=cartable-dev-secret

log() { echo "stack: $*" >&2; }

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

# preview_packages are the converters previews use when present: poppler for PDF
# pages, LibreOffice for office documents, ffmpeg for video frames, and bubblewrap,
# the sandbox they run in. Without them
# those types simply get no preview; with them the tests cover them.
preview_packages() {
	command -v pdftoppm >/dev/null || echo poppler-utils
	command -v ffmpeg >/dev/null || echo ffmpeg
	command -v bwrap >/dev/null || echo bubblewrap
	command -v soffice >/dev/null || echo libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui fonts-dejavu-core
}

dav_packages() {
	command -v litmus >/dev/null || echo litmus
	command -v rclone >/dev/null || echo rclone
	command -v mount.davfs >/dev/null || echo davfs2
}

install_missing() {
	if ! pkg-config --exists vips 2>/dev/null; then apt_install libvips-dev pkg-config; fi
	local converters
	converters=$(preview_packages | tr '\n' ' ')
	if [ -n "${converters// /}" ] && [ -z "${CARTABLE_SKIP_PREVIEW_TOOLS:-}" ]; then
		# shellcheck disable=SC2086 # one word per package
		apt_install --no-install-recommends $converters
	fi
	# The WebDAV clients cmd/cartable/dav_test.go drives: the litmus conformance
	# suite, rclone and davfs2 (each test skips when its client is missing, and the
	# davfs2 one when it cannot mount: it needs root and FUSE).
	local davtools
	davtools=$(dav_packages | tr '\n' ' ')
	if [ -n "${davtools// /}" ]; then
		# shellcheck disable=SC2086 # one word per package
		apt_install --no-install-recommends $davtools
	fi
	if [ -z "${CARTABLE_SKIP_CLAMAV:-}" ] && ! command -v clamd >/dev/null; then
		apt_install --no-install-recommends clamav-daemon
	fi
	if [ -z "${CARTABLE_DATABASE_URL:-}" ] && [ -z "$(pg_bin)" ]; then apt_install postgresql; fi
	if [ -z "${CARTABLE_S3_ENDPOINT:-}" ] && [ -z "$(minio_bin)" ]; then
		log "installing MinIO (go install, a few minutes the first time)"
		GOFLAGS= go install "github.com/minio/minio@$MINIO_VERSION"
	fi
}

# free_port prints a TCP port nobody listens on.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# alive: the process of a pid file runs (a zombie, which a container without an
# init never reaps, does not count).
alive() {
	[ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && ! ps -o stat= -p "$(cat "$1")" | grep -q Z
}

# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
pg_run() {
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

start_postgres() {
	local dir="$STACK_DIR/pg" bin port
	bin=$(pg_bin)
	if [ -f "$STACK_DIR/pg.port" ] && pg_run "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		port=$(cat "$STACK_DIR/pg.port")
	else
		mkdir -p "$dir"
		[ "$(id -u)" = 0 ] && chown -R postgres "$dir"
		if [ ! -f "$dir/data/PG_VERSION" ]; then
			pg_run "$bin/initdb" -D "$dir/data" -U cartable --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
		fi
		port=$(free_port)
		# A throwaway cluster for dev and tests: durability settings are off for speed.
		pg_run "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start -o \
			"-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null
		echo "$port" >"$STACK_DIR/pg.port"
		pg_run "$bin/psql" -h 127.0.0.1 -p "$port" -U cartable -d postgres -qtAc \
			"SELECT 1 FROM pg_database WHERE datname = 'cartable'" | grep -q 1 ||
			pg_run "$bin/psql" -h 127.0.0.1 -p "$port" -U cartable -d postgres -qc "CREATE DATABASE cartable" >/dev/null
		log "PostgreSQL on 127.0.0.1:$port"
	fi
	echo "export CARTABLE_DATABASE_URL='postgres://cartable@127.0.0.1:$port/cartable?sslmode=disable'"
}

start_minio() {
	local dir="$STACK_DIR/minio" port console
	mkdir -p "$dir/data"
	if alive "$STACK_DIR/minio.pid"; then
		port=$(cat "$STACK_DIR/minio.port")
	else
		port=$(free_port)
		console=$(free_port)
		MINIO_ROOT_USER=$MINIO_USER MINIO_ROOT_PASSWORD=$MINIO_PASSWORD MINIO_BROWSER=off \
			nohup "$(minio_bin)" server --quiet --address "127.0.0.1:$port" --console-address "127.0.0.1:$console" "$dir/data" \
			>"$dir/log" 2>&1 &
		echo $! >"$STACK_DIR/minio.pid"
		echo "$port" >"$STACK_DIR/minio.port"
		for _ in $(seq 1 120); do
			curl -fs "http://127.0.0.1:$port/minio/health/live" >/dev/null 2>&1 && break
			alive "$STACK_DIR/minio.pid" || { cat "$dir/log" >&2; log "MinIO did not start"; exit 1; }
			sleep 0.5
		done
		log "MinIO on 127.0.0.1:$port"
	fi
	cat <<ENV
export CARTABLE_S3_ENDPOINT='127.0.0.1:$port'
export CARTABLE_S3_ACCESS_KEY='$MINIO_USER'
export CARTABLE_S3_SECRET_KEY='$MINIO_PASSWORD'
export CARTABLE_S3_REGION='us-east-1'
export CARTABLE_S3_TLS=false
ENV
}

# EICAR_MD5 is the MD5 of the 68-byte EICAR test file, every antivirus' test
# signature (an .hdb line: md5:size:name).
EICAR_MD5=44d88612fea8a8f36de82e1278abb02f

start_clamd() {
	local dir="$STACK_DIR/clamav"
	if ! alive "$STACK_DIR/clamd.pid"; then
		mkdir -p "$dir/db"
		echo "$EICAR_MD5:68:Eicar-Test-Signature" >"$dir/db/eicar.hdb"
		find "$dir/db" -type l -delete # freshclam may have renamed what they pointed at
		for f in /var/lib/clamav/*.cvd /var/lib/clamav/*.cld; do
			[ -f "$f" ] && ln -sf "$f" "$dir/db/"
		done
		cat >"$dir/clamd.conf" <<CONF
LocalSocket $dir/clamd.sock
DatabaseDirectory $dir/db
TemporaryDirectory $dir
LogFile $dir/log
Foreground yes
StreamMaxLength 1100M
MaxScanSize 1100M
MaxFileSize 1100M
MaxThreads 4
# Not the fuzzy hash of every image: clamd decodes each photo to hash it, which
# triples the scan of a phone photo (5 MB: 0.23 s against 0.07), for signatures
# that match known images in phishing mail. ScanImage (malformed images) stays.
ScanImageFuzzyHash no
CONF
		rm -f "$dir/clamd.sock"
		# Niced: scans are background work, and must not slow the uploads they follow.
		nohup nice -n 10 clamd --config-file="$dir/clamd.conf" >"$dir/out" 2>&1 &
		echo $! >"$STACK_DIR/clamd.pid"
		for _ in $(seq 1 600); do
			[ -S "$dir/clamd.sock" ] && break
			alive "$STACK_DIR/clamd.pid" || { cat "$dir/out" >&2; log "clamd did not start"; exit 1; }
			sleep 0.1
		done
		[ -S "$dir/clamd.sock" ] || { cat "$dir/out" >&2; log "clamd did not open its socket within a minute"; exit 1; }
		log "clamd on $dir/clamd.sock"
	fi
	echo "export CARTABLE_CLAMD='unix:$dir/clamd.sock'"
}

up() {
	mkdir -p "$STACK_DIR"
	install_missing
	{
		if [ -n "${CARTABLE_DATABASE_URL:-}" ]; then
			echo "export CARTABLE_DATABASE_URL='$CARTABLE_DATABASE_URL'"
		else
			start_postgres
		fi
		if [ -n "${CARTABLE_S3_ENDPOINT:-}" ]; then
			for v in CARTABLE_S3_ENDPOINT CARTABLE_S3_ACCESS_KEY CARTABLE_S3_SECRET_KEY CARTABLE_S3_REGION CARTABLE_S3_TLS; do
				echo "export $v='${!v:-}'"
			done
		else
			start_minio
		fi
		echo "export CARTABLE_S3_BUCKET='${CARTABLE_S3_BUCKET:-cartable}'"
		if [ -z "${CARTABLE_SKIP_CLAMAV:-}" ] && command -v clamd >/dev/null; then start_clamd; fi
	} >"$STACK_DIR/env.tmp"
	mv "$STACK_DIR/env.tmp" "$STACK_DIR/env"
	log "ready: source $STACK_DIR/env"
}

down() {
	if alive "$STACK_DIR/minio.pid"; then
		local pid
		pid=$(cat "$STACK_DIR/minio.pid")
		kill "$pid"
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$pid" 2>/dev/null || true
		log "MinIO stopped"
	fi
	rm -f "$STACK_DIR/minio.pid"
	if alive "$STACK_DIR/clamd.pid"; then
		local clamd
		clamd=$(cat "$STACK_DIR/clamd.pid")
		kill "$clamd"
		# Waited for: a clamd still stopping would delete the socket of the next one.
		for _ in $(seq 1 50); do alive "$STACK_DIR/clamd.pid" || break; sleep 0.2; done
		kill -9 "$clamd" 2>/dev/null || true
		log "clamd stopped"
	fi
	rm -f "$STACK_DIR/clamd.pid"
	if [ -f "$STACK_DIR/pg/data/PG_VERSION" ] && [ -n "$(pg_bin)" ]; then
		pg_run "$(pg_bin)/pg_ctl" -D "$STACK_DIR/pg/data" -m fast -w stop >/dev/null 2>&1 && log "PostgreSQL stopped" || true
	fi
	if [ "${1:-}" = "--purge" ]; then
		rm -rf "$STACK_DIR"
		log "data deleted"
	fi
}

status() {
	if [ -f "$STACK_DIR/pg/data/PG_VERSION" ] && pg_run "$(pg_bin)/pg_ctl" -D "$STACK_DIR/pg/data" status >/dev/null 2>&1; then
		echo "PostgreSQL: running on port $(cat "$STACK_DIR/pg.port")"
	else
		echo "PostgreSQL: stopped"
	fi
	if alive "$STACK_DIR/minio.pid"; then echo "MinIO: running on port $(cat "$STACK_DIR/minio.port")"; else echo "MinIO: stopped"; fi
	if alive "$STACK_DIR/clamd.pid"; then echo "clamd: running on $STACK_DIR/clamav/clamd.sock"; else echo "clamd: stopped"; fi
}

case "${1:-}" in
up) up ;;
down) down "${2:-}" ;;
env) cat "$STACK_DIR/env" ;;
status) status ;;
*)
	echo "usage: $0 up|down [--purge]|env|status" >&2
	exit 2
	;;
esac
