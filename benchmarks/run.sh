#!/usr/bin/env bash
# Times proxyctl against its anchors (see benchmarks/cli_speed.py):
#   bash benchmarks/run.sh [--runs N]
# Installs proxyctl into .venv and the AWS CLI into benchmarks/.venv-awscli
# (its own venv: awscli pins an exact botocore).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
if [ ! -x benchmarks/.venv-awscli/bin/aws ]; then
    "$python" -m venv benchmarks/.venv-awscli
    benchmarks/.venv-awscli/bin/python -m pip install --quiet --disable-pip-version-check awscli
fi
exec .venv/bin/python benchmarks/cli_speed.py "$@"
