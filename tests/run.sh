#!/usr/bin/env bash
# Installs what the tests need, then runs every check and test:
#   bash tests/run.sh [PYTEST ARGS...]
# It makes .venv with Python 3.11+ (PYTHON=... picks the interpreter) and, when
# run as root, installs the system packages the tests use.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "tests/run.sh: needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
    exit 2
fi

# System packages: bash (the env-format tests run it).
need_apt=()
command -v bash >/dev/null || need_apt+=(bash)
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
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
.venv/bin/pytest "$@"
