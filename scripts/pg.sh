# shellcheck shell=bash
# Throwaway PostgreSQL cluster for tests and benchmarks. Source this file, then:
#
#   pg_ensure_installed      # apt-get install postgresql if no initdb/pg_ctl is found
#   pg_start                 # initdb + start on a free port; exports PG_URL; stops on EXIT
#   pg_stop                  # stop the cluster and remove its folder (also run by the EXIT trap)
#
# The cluster runs as a non-root user (PostgreSQL refuses root): `postgres` when we are root
# (created if missing), else the current user. Its data, log and unix socket live in one temp
# folder that pg_stop removes. It listens on 127.0.0.1 only, on a port found free at runtime.
# The superuser `postgres` gets a random password (scram-sha-256 over TCP), so tests can check
# that a wrong password is reported as an authentication failure.
#
# Knobs (environment): PG_FSYNC=off|on (default off: a throwaway cluster need not survive a
# power cut), PG_EXTRA_OPTS (more `-c name=value` server options).

pg__log() { printf 'pg.sh: %s\n' "$*" >&2; }

# Prints the bin folder holding initdb and pg_ctl, newest version first; empty when none.
pg_bindir() {
    local d
    if command -v pg_config >/dev/null 2>&1; then
        d="$(pg_config --bindir 2>/dev/null || true)"
        if [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
            printf '%s\n' "$d"
            return 0
        fi
    fi
    # shellcheck disable=SC2012
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
            printf '%s\n' "$d"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 0
}

# Runs `apt-get update` at most once per shell.
pg__apt_updated=""
pg_apt_install() {
    local sudo=""
    if [[ "$(id -u)" != 0 ]]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo="sudo"
        else
            pg__log "need to install $*, but not root and no sudo: install them (apt-get install -y $*) and re-run"
            return 1
        fi
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        pg__log "need $*, and apt-get is missing: install them with your package manager and re-run"
        return 1
    fi
    if [[ -z "$pg__apt_updated" ]]; then
        pg__log "apt-get update"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
        pg__apt_updated=1
    fi
    pg__log "apt-get install -y $*"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

pg_ensure_installed() {
    if [[ -z "$(pg_bindir)" ]]; then
        pg_apt_install postgresql
        # Debian's package starts a system cluster; we do not need it.
        if command -v pg_ctlcluster >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
            service postgresql stop >/dev/null 2>&1 || true
        fi
    fi
    if [[ -z "$(pg_bindir)" ]]; then
        pg__log "PostgreSQL server binaries (initdb, pg_ctl) not found even after installing"
        return 1
    fi
}

# True when nothing accepts connections on 127.0.0.1:$1.
pg__port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Runs a command as the cluster owner.
pg__as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u "$PG_OWNER" -- "$@"
    else
        "$@"
    fi
}

pg_start() {
    pg_ensure_installed
    local bindir
    bindir="$(pg_bindir)"
    if [[ "$(id -u)" == 0 ]]; then
        PG_OWNER=postgres
        if ! id -u "$PG_OWNER" >/dev/null 2>&1; then
            pg__log "creating system user $PG_OWNER to own the throwaway cluster"
            useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OWNER"
        fi
    else
        PG_OWNER="$(id -un)"
    fi
    PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/deribit-backfill-pg.XXXXXX")"
    trap pg_stop EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    chmod 0755 "$PG_DIR"
    local pw
    pw="$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    printf '%s\n' "$pw" >"$PG_DIR/pwfile"
    if [[ "$(id -u)" == 0 ]]; then chown -R "$PG_OWNER" "$PG_DIR"; fi
    pg__as_owner "$bindir/initdb" -D "$PG_DIR/data" -U postgres --pwfile="$PG_DIR/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 ||
        pg__as_owner "$bindir/initdb" -D "$PG_DIR/data" -U postgres --pwfile="$PG_DIR/pwfile" \
            --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 || {
        pg__log "initdb failed:"
        cat "$PG_DIR/initdb.log" >&2
        return 1
    }
    rm -f "$PG_DIR/pwfile"
    local port tries=0
    port=$((20000 + RANDOM % 20000))
    while :; do
        tries=$((tries + 1))
        if pg__port_free "$port"; then
            # shellcheck disable=SC2086
            if pg__as_owner "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
                -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-off} -c max_connections=300 -c shared_buffers=256MB ${PG_EXTRA_OPTS:-}" \
                start >/dev/null; then
                break
            fi
        fi
        if ((tries >= 20)); then
            pg__log "could not start PostgreSQL (last port tried $port); server log:"
            cat "$PG_DIR/server.log" >&2 || true
            return 1
        fi
        port=$((20000 + RANDOM % 20000))
    done
    PG_PORT="$port"
    PG_BINDIR="$bindir"
    PG_URL="postgres://postgres:${pw}@127.0.0.1:${port}/postgres"
    export PG_URL PG_PORT PG_DIR PG_BINDIR PG_OWNER
    pg__log "$("$bindir/pg_ctl" --version | sed 's/^pg_ctl (PostgreSQL)/PostgreSQL/') running on 127.0.0.1:$port (data in $PG_DIR)"
}

pg_stop() {
    if [[ -n "${PG_DIR:-}" && -d "$PG_DIR" ]]; then
        if [[ -f "$PG_DIR/data/postmaster.pid" ]]; then
            pg__as_owner "${PG_BINDIR:-$(pg_bindir)}/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$PG_DIR"
        pg__log "PostgreSQL stopped and $PG_DIR removed"
    fi
    PG_DIR=""
}
