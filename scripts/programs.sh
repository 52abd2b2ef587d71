# Sourced by scripts/tour.sh and tests/run.sh: the Python they build .venv with, and the
# programs the lab and the tests run, found as proxyctl/lab/postgres.py and
# proxyctl/lab/pgbouncer.py find them.

# PYTHON (default python3), or exit 2 naming WHO when it is older than 3.11.
python=${PYTHON:-python3}
require_python() {
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "$1: needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
        exit 2
    fi
}

# PostgreSQL server binaries: PROXYCTL_PG_BINDIR, pg_config --bindir, PATH, /usr/lib/postgresql.
has_pg_server() {
    local dir initdb
    initdb=$(command -v initdb || true)
    for dir in "${PROXYCTL_PG_BINDIR:-}" "$(pg_config --bindir 2>/dev/null || true)" \
        "${initdb:+$(dirname "$(readlink -f "$initdb")")}" /usr/lib/postgresql/*/bin; do
        [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && return 0
    done
    return 1
}

# PgBouncer: PATH, or Debian's /usr/sbin (not on a user's PATH).
has_pgbouncer() {
    command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ]
}
