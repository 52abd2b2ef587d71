#!/usr/bin/env bash
# Times proxyctl against its anchors (benchmarks/cli_speed.py), then the failover
# drill's probers (benchmarks/prober_cost.py, against a local PostgreSQL):
#   bash benchmarks/run.sh [--runs N]
# Installs proxyctl into .venv and the AWS CLI into benchmarks/.venv-awscli
# (its own venv: awscli pins an exact botocore).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'  # prober_cost uses tests/pg.py
if [ ! -x benchmarks/.venv-awscli/bin/aws ]; then
    "$python" -m venv benchmarks/.venv-awscli
    benchmarks/.venv-awscli/bin/python -m pip install --quiet --disable-pip-version-check awscli
fi
.venv/bin/python benchmarks/cli_speed.py "$@"
# The failover drill's probers: schedule jitter and CPU at 5 probes/s on two endpoints.
.venv/bin/python benchmarks/prober_cost.py
# The pinning classifier against PostgreSQL's parser (pglast), 100,000 statements.
.venv/bin/python benchmarks/pinning_speed.py
