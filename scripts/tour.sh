#!/usr/bin/env bash
# The lab tour: every proxyctl command on one machine, against a local stand-in for AWS
# and the database (`proxyctl lab`), with no AWS account:
#   bash scripts/tour.sh
# It installs proxyctl with its lab extra into .venv and, when run as root, the system
# packages the lab needs (PostgreSQL, PgBouncer); otherwise it says what to install and
# stops. Then: lab up, init, check, token, and each of connect, failover-test, load,
# status and pinning that this version has, then lab down. Each command is printed before it runs.
# TOUR_DNS_DELAY (default 20) is the lab's emulated DNS delay for the writer endpoint.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/programs.sh
. scripts/programs.sh
require_python tour

need=()
has_pg_server || need+=(postgresql)
has_pgbouncer || need+=(pgbouncer)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
    else
        echo "tour: the lab needs ${need[*]}, which is missing. Install it, then run the tour again:" >&2
        echo "  Debian/Ubuntu: sudo apt-get install ${need[*]}" >&2
        echo "  macOS: brew install ${need[*]/postgresql/postgresql@15}" >&2
        exit 2
    fi
fi

[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[lab]'
export PATH="$PWD/.venv/bin:$PATH"

out=$(mktemp -d "${TMPDIR:-/tmp}/proxyctl-tour.XXXXXX")
lab="$out/lab"
show() { printf '\n$ %s\n' "$*"; }
# A command as it would be typed: an argument with spaces or shell characters quoted.
run() {
    local arg shown=()
    for arg in "$@"; do
        if [[ $arg =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then shown+=("$arg"); else shown+=("${arg@Q}"); fi
    done
    show "${shown[@]}"
    "$@"
}
has() { proxyctl "$1" --help >/dev/null 2>&1; }
finish() {
    local status=$?
    trap '' INT PIPE  # stop the lab even when Ctrl-C also ended a pipe this prints to
    show proxyctl lab down --dir "$lab" || true
    # Through a file: a closed stdout must not stop it halfway.
    proxyctl lab down --dir "$lab" >"$out/down.log" 2>&1 || status=$?
    cat "$out/down.log" 2>/dev/null || true
    rm -f "$out/down.log"
    exit "$status"
}
trap finish EXIT

run proxyctl lab up --dir "$lab" --dns-delay "${TOUR_DNS_DELAY:-20}"
show 'eval "$(proxyctl lab env --dir '"$lab"')"'
eval "$(proxyctl lab env --dir "$lab")"
run proxyctl init --yes --no-input --db-cluster orders  # the wizard's defaults, no questions
# The lab notices the new proxy within a second and starts its front.
for _ in $(seq 40); do
    proxyctl lab status --dir "$lab" | grep -q '^ok   proxy orders-proxy' && break
    sleep 0.25
done
run proxyctl check --proxy orders-proxy --user postgres
show "proxyctl token --proxy orders-proxy --user postgres | proxyctl token inspect -"
proxyctl token --proxy orders-proxy --user postgres | proxyctl token inspect -
if has connect; then
    # SET pins the session: the proxy logs it, and `pinning --from-logs` finds it.
    run proxyctl connect --proxy orders-proxy --user postgres -c "SET search_path = public; SELECT current_user, inet_server_port()"
fi
if has failover-test; then
    run proxyctl failover-test --proxy orders-proxy --user postgres --trigger aws --yes --report "$out/drill.md"
    echo "the drill's report: $out/drill.md"
fi
if has load; then
    # A storm of cold-Lambda connections through the proxy, then straight at the writer:
    # the writer's pg_stat_activity counts the database connections each one used.
    run proxyctl load --proxy orders-proxy --user postgres --direct --connections 300 --clients 20
fi
if has status; then
    # CloudWatch holds a value a minute, and status leaves out the minute still running
    # (not every proxy node has reported yet): wait for this one to end.
    wait=$((61 - 10#$(date +%S)))
    printf '\n(waiting %s s for this minute of metrics to be complete)\n' "$wait"
    sleep "$wait"
    run proxyctl status orders-proxy --since 5m
fi
if has pinning; then
    run proxyctl pinning --from-logs orders-proxy
fi
