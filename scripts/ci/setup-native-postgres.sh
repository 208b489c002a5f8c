#!/usr/bin/env bash
# Ensure a native PostgreSQL 15 + pgvector server on 127.0.0.1:5432 for the integration tests.
#
# Debian packages only: postgresql-15 from bookworm, pgvector built from Debian's own source
# package (trixie, deb-src) since bookworm has no pgvector binary package. Idempotent: a run on a
# machine where everything is in place installs nothing, builds nothing and restarts nothing.
#
# Result (must run as root):
#   cluster 15/main running, max_connections >= 200, password auth over TCP on 127.0.0.1;
#   role airassist/airassist (LOGIN NOSUPERUSER CREATEDB CREATEROLE);
#   extension vector in template1 (so every database created from it has it) and in airassist_test;
#   database airassist_test (owner airassist, with vector);
#   database airassist_novector (owner airassist, from template0, without vector).
# Progress goes to stderr, one line per step; the last line on stdout is
#   NATIVE_DATABASE_URL=postgres://airassist:airassist@127.0.0.1:5432/airassist_test
set -euo pipefail

PG_MAJOR=15
PG_CLUSTER=main
PG_PORT=5432
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_CONFIG=$PG_BIN/pg_config
EXT_DIR=/usr/share/postgresql/$PG_MAJOR/extension
LIB_DIR=/usr/lib/postgresql/$PG_MAJOR/lib
APP_USER=airassist
APP_PASSWORD=airassist
APP_DB=airassist_test
NOVECTOR_DB=airassist_novector
MIN_CONNECTIONS=200
SRC_LIST=/etc/apt/sources.list.d/airassist-trixie-src.sources
NATIVE_DATABASE_URL="postgres://$APP_USER:$APP_PASSWORD@127.0.0.1:$PG_PORT/$APP_DB"

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

STEP="start"
LOG=$(mktemp /tmp/setup-native-postgres.XXXXXX.log)
SCRATCH=""

log() { echo "setup-native-postgres: $*" >&2; }

fail() {
	# A failure inside $(...) was already reported there; the parent only has to stop.
	if [[ -e $LOG.failed ]]; then exit 1; fi
	touch "$LOG.failed"
	log "FAILED at step '$STEP': $*"
	if [[ -s $LOG ]]; then
		log "last lines of $LOG:"
		tail -n 40 "$LOG" | sed 's/^/    /' >&2
	fi
	exit 1
}

# Backstop for anything not run through `run`/`fail`.
on_err() {
	trap - ERR
	fail "command exited with status $1 (line $2: $3)"
}
trap 'on_err $? $LINENO "$BASH_COMMAND"' ERR
cleanup() {
	if [[ -n $SCRATCH ]]; then rm -rf "$SCRATCH"; fi
	rm -f "$LOG.failed"
	# Keep the log only when something went wrong.
	if [[ ${1:-0} -eq 0 ]]; then rm -f "$LOG"; fi
}
trap 'cleanup $?' EXIT

# Run a command with its output in the log; on failure stop with the step name and the log's tail.
run() {
	echo "+ $*" >>"$LOG"
	"$@" >>"$LOG" 2>&1 </dev/null || fail "command failed: $*"
}

# psql as the postgres superuser over the local socket; extra args follow.
su_psql() {
	(cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@") </dev/null
}
su_psql_value() { # db sql -> prints the single value
	su_psql -At -d "$1" -c "$2" 2>>"$LOG" || fail "query failed in database $1: $2"
}
su_psql_run() { # db sql
	echo "+ psql -d $1: $2" >>"$LOG"
	su_psql -d "$1" -c "$2" >>"$LOG" 2>&1 || fail "statement failed in database $1: $2"
}

pkg_version() { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null | awk '$3 == "installed" {print $4}'; }

binaries_present() {
	[[ -x $PG_BIN/postgres && -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] &&
		command -v pg_ctlcluster >/dev/null && command -v pg_createcluster >/dev/null &&
		command -v pg_lsclusters >/dev/null && command -v psql >/dev/null && command -v pg_isready >/dev/null
}
vector_present() { [[ -f $EXT_DIR/vector.control && -f $LIB_DIR/vector.so ]]; }

cluster_field() { # field number of `pg_lsclusters -h` for our cluster (2=name 3=port 4=status)
	pg_lsclusters -h 2>/dev/null | awk -v v="$PG_MAJOR" -v c="$PG_CLUSTER" -v f="$1" '$1 == v && $2 == c {print $f}'
}
cluster_online() { [[ $(cluster_field 4) == online* ]]; }

# A postmaster whose binary was replaced by a package upgrade fails to load its own libraries
# (plpgsql.so: undefined symbol); its /proc/PID/exe then reads "... (deleted)".
postmaster_stale() {
	local pidfile=/var/lib/postgresql/$PG_MAJOR/$PG_CLUSTER/postmaster.pid pid
	[[ -r $pidfile ]] || return 1
	pid=$(head -n1 "$pidfile")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[[ $(readlink "/proc/$pid/exe" 2>/dev/null || true) == *" (deleted)" ]]
}

wait_ready() {
	local i
	for ((i = 0; i < 120; i++)); do
		if pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; then return 0; fi
		sleep 0.5
	done
	fail "server not accepting connections on 127.0.0.1:$PG_PORT after 60 s (see /var/log/postgresql/postgresql-$PG_MAJOR-$PG_CLUSTER.log)"
}

restart_cluster() { # reason
	log "restarting cluster $PG_MAJOR/$PG_CLUSTER ($1)"
	run pg_ctlcluster "$PG_MAJOR" "$PG_CLUSTER" restart
	wait_ready
}

# ---------------------------------------------------------------------------------------------
STEP="preflight"
[[ $(id -u) -eq 0 ]] || fail "must run as root (apt-get, pg_ctlcluster, runuser)"
command -v apt-get >/dev/null || fail "apt-get not found: this script expects Debian"

# ---------------------------------------------------------------------------------------------
STEP="install packages and pgvector"
if binaries_present && vector_present; then
	log "[1/5] PostgreSQL $PG_MAJOR and pgvector already installed: $(pkg_version postgresql-$PG_MAJOR), vector $(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$EXT_DIR/vector.control")"
else
	t0=$SECONDS
	was_online=no
	if cluster_online; then was_online=yes; fi
	old_version=$(pkg_version "postgresql-$PG_MAJOR")

	if ! vector_present; then
		# deb-src entry for trixie with the same mirror and key as the bookworm entry.
		uris="" signed_by=""
		if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
			read -r uris signed_by < <(awk '
				BEGIN { RS = ""; FS = "\n" }
				{
					u = ""; s = ""; suites = ""
					for (i = 1; i <= NF; i++) {
						if ($i ~ /^URIs:/)      { u = $i; sub(/^URIs:[ \t]*/, "", u) }
						if ($i ~ /^Signed-By:/) { s = $i; sub(/^Signed-By:[ \t]*/, "", s) }
						if ($i ~ /^Suites:/)    { suites = " " $i " " }
					}
					if (u != "" && suites ~ /[ \t]bookworm[ \t]/) { print u, s; exit }
				}' /etc/apt/sources.list.d/debian.sources) || true
		fi
		uris=${uris:-http://deb.debian.org/debian}
		signed_by=${signed_by:-/usr/share/keyrings/debian-archive-keyring.gpg}
		want=$(printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: %s\n' "$uris" "$signed_by")
		if [[ ! -f $SRC_LIST || $(cat "$SRC_LIST") != "$want" ]]; then
			printf '%s\n' "$want" >"$SRC_LIST"
		fi
	fi

	run apt-get "${APT_OPTS[@]}" update
	run apt-get "${APT_OPTS[@]}" install "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" build-essential
	binaries_present || fail "PostgreSQL $PG_MAJOR binaries still missing after apt-get install"

	if ! vector_present; then
		SCRATCH=$(mktemp -d /tmp/pgvector-build.XXXXXX)
		chmod 755 "$SCRATCH" # lets apt's _apt sandbox user write the download
		STEP="download pgvector source"
		cd "$SCRATCH"
		run apt-get "${APT_OPTS[@]}" source --download-only pgvector
		cd /
		orig=$(find "$SCRATCH" -maxdepth 1 -name 'pgvector_*.orig.tar.*' | head -n1)
		[[ -n $orig ]] || fail "no pgvector_*.orig.tar.* downloaded into $SCRATCH"
		STEP="build pgvector"
		mkdir "$SCRATCH/src"
		run tar -xf "$orig" -C "$SCRATCH/src" --strip-components=1
		# OPTFLAGS= as in Debian's own package: no -march=native, so the build doesn't depend on
		# the exact CPU of the machine that compiled it.
		run make -C "$SCRATCH/src" -j"$(nproc)" PG_CONFIG="$PG_CONFIG" OPTFLAGS=
		run make -C "$SCRATCH/src" install PG_CONFIG="$PG_CONFIG" OPTFLAGS=
		vector_present || fail "vector.control/vector.so not found after make install"
	fi

	STEP="install packages and pgvector"
	new_version=$(pkg_version "postgresql-$PG_MAJOR")
	log "[1/5] installed PostgreSQL $new_version${old_version:+ (was $old_version)} and pgvector $(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$EXT_DIR/vector.control") in $((SECONDS - t0)) s"
	# The trap: a cluster that ran during an upgrade keeps the old binary.
	if [[ $was_online == yes ]] && cluster_online && { [[ $old_version != "$new_version" ]] || postmaster_stale; }; then
		restart_cluster "postgresql-$PG_MAJOR was upgraded while it ran"
	fi
fi

# ---------------------------------------------------------------------------------------------
STEP="cluster $PG_MAJOR/$PG_CLUSTER"
if [[ -z $(cluster_field 2) ]]; then
	log "creating cluster $PG_MAJOR/$PG_CLUSTER on port $PG_PORT"
	run pg_createcluster "$PG_MAJOR" "$PG_CLUSTER" --port "$PG_PORT"
fi
port=$(cluster_field 3)
[[ $port == "$PG_PORT" ]] || fail "cluster $PG_MAJOR/$PG_CLUSTER is configured for port $port, expected $PG_PORT"

install -d -o postgres -g postgres -m 2775 /var/run/postgresql
started=""
if cluster_online; then
	if postmaster_stale; then
		restart_cluster "its postgres binary was replaced by an upgrade"
		started=" (restarted: stale binary)"
	else
		wait_ready
	fi
else
	run pg_ctlcluster "$PG_MAJOR" "$PG_CLUSTER" start
	wait_ready
	started=" (started)"
fi

# Debian's default pg_hba.conf allows password (scram) logins over TCP from 127.0.0.1; add it if absent.
hba=$(su_psql_value postgres "show hba_file")
if ! grep -Eq '^[[:space:]]*host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+(scram-sha-256|md5)([[:space:]]|$)' "$hba"; then
	log "adding 'host all all 127.0.0.1/32 scram-sha-256' to $hba"
	printf 'host    all             all             127.0.0.1/32            scram-sha-256\n' >>"$hba"
	su_psql_run postgres "select pg_reload_conf()"
fi

max_conn=$(su_psql_value postgres "show max_connections")
if ((max_conn < MIN_CONNECTIONS)); then
	su_psql_run postgres "alter system set max_connections = $MIN_CONNECTIONS"
	restart_cluster "max_connections $max_conn -> $MIN_CONNECTIONS"
	max_conn=$(su_psql_value postgres "show max_connections")
	((max_conn >= MIN_CONNECTIONS)) || fail "max_connections is still $max_conn after restart"
fi
log "[2/5] cluster $PG_MAJOR/$PG_CLUSTER online on 127.0.0.1:$PG_PORT$started, max_connections=$max_conn"

# ---------------------------------------------------------------------------------------------
STEP="role and databases"
su_psql_run postgres "do \$\$ begin
	if not exists (select 1 from pg_roles where rolname = '$APP_USER') then
		create role $APP_USER login password '$APP_PASSWORD' nosuperuser createdb createrole;
	else
		alter role $APP_USER login password '$APP_PASSWORD' nosuperuser createdb createrole;
	end if;
end \$\$"
# template1 first, so that airassist_test (and every database the tests create) inherits vector.
su_psql_run template1 "create extension if not exists vector"
created=()
if [[ $(su_psql_value postgres "select count(*) from pg_database where datname = '$APP_DB'") == 0 ]]; then
	su_psql_run postgres "create database $APP_DB owner $APP_USER template template1"
	created+=("$APP_DB")
else
	su_psql_run postgres "alter database $APP_DB owner to $APP_USER"
fi
su_psql_run "$APP_DB" "create extension if not exists vector"
if [[ $(su_psql_value postgres "select count(*) from pg_database where datname = '$NOVECTOR_DB'") == 0 ]]; then
	su_psql_run postgres "create database $NOVECTOR_DB owner $APP_USER template template0"
	created+=("$NOVECTOR_DB")
else
	su_psql_run postgres "alter database $NOVECTOR_DB owner to $APP_USER"
	if [[ $(su_psql_value "$NOVECTOR_DB" "select count(*) from pg_extension where extname = 'vector'") != 0 ]]; then
		log "dropping extension vector from $NOVECTOR_DB (it must stay without it)"
		su_psql_run "$NOVECTOR_DB" "drop extension vector cascade"
	fi
fi
log "[3/5] role $APP_USER, databases $APP_DB + $NOVECTOR_DB ready${created:+ (created: ${created[*]})}; vector in template1 and $APP_DB"

# ---------------------------------------------------------------------------------------------
STEP="verify TCP password login"
vec=$(PGPASSWORD=$APP_PASSWORD PGCONNECT_TIMEOUT=10 psql -X -At -h 127.0.0.1 -p "$PG_PORT" -U "$APP_USER" -d "$APP_DB" \
	-c "select extversion from pg_extension where extname = 'vector'" </dev/null 2>>"$LOG") ||
	fail "cannot log in as $APP_USER with its password over TCP on 127.0.0.1:$PG_PORT (check $hba)"
[[ -n $vec ]] || fail "extension vector missing in $APP_DB"
novec=$(PGPASSWORD=$APP_PASSWORD PGCONNECT_TIMEOUT=10 psql -X -At -h 127.0.0.1 -p "$PG_PORT" -U "$APP_USER" -d "$NOVECTOR_DB" \
	-c "select count(*) from pg_extension where extname = 'vector'" </dev/null 2>>"$LOG") ||
	fail "cannot log in as $APP_USER to $NOVECTOR_DB over TCP"
[[ $novec == 0 ]] || fail "$NOVECTOR_DB unexpectedly has extension vector"
log "[4/5] $APP_USER logs in over TCP with its password; vector $vec in $APP_DB, none in $NOVECTOR_DB"

# ---------------------------------------------------------------------------------------------
STEP="done"
log "[5/5] ready"
echo "NATIVE_DATABASE_URL=$NATIVE_DATABASE_URL"
