#!/usr/bin/env bash
# Installs what the tests need, then runs every check and test:
#   bash tests/run.sh [PYTEST ARGS...]
# It makes .venv with Python 3.11+ (PYTHON=... picks the interpreter) and, when
# run as root, installs the system packages the tests use.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/programs.sh
. scripts/programs.sh
require_python tests/run.sh

# System packages: bash (the env-format tests run it), postgresql (its server binaries
# and the postgres user that runs them when the tests run as root), pgbouncer (the
# stand-in proxy of the promotion drill test, tests/drill/test_promotion.py), zsh (the
# completion test, tests/cli/test_help.py).
need_apt=()
command -v bash >/dev/null || need_apt+=(bash)
command -v zsh >/dev/null || need_apt+=(zsh)
has_pg_server || need_apt+=(postgresql)
has_pgbouncer || need_apt+=(pgbouncer)
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
    else
        echo "tests/run.sh: missing system packages: ${need_apt[*]} (apt-get install them)" >&2
        exit 2
    fi
fi

if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'

echo "== ruff"
.venv/bin/ruff check proxyctl tests benchmarks
.venv/bin/ruff format --check proxyctl tests benchmarks
echo "== mypy"
.venv/bin/mypy proxyctl
echo "== pytest"
if [ $# -gt 0 ]; then
    .venv/bin/pytest "$@"
    exit
fi
# The whole suite: in parallel on every core (PYTEST_WORKERS=N to choose), then the
# tests that measure real time, alone (the `timing` marker, tests/conftest.py).
.venv/bin/pytest -n "${PYTEST_WORKERS:-auto}" -m "not timing"
echo "== pytest (timing, alone)"
.venv/bin/pytest -m timing
