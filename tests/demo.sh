#!/usr/bin/env bash
# proxyctl init end to end against a local AWS stand-in, with no AWS account:
#   bash tests/demo.sh
# Installs proxyctl with its lab extra (moto) into .venv, starts moto_server on loopback, seeds
# it with a sample Aurora PostgreSQL cluster (two instances, an RDS-managed
# secret, a subnet group over two AZs), runs `proxyctl init` with its defaults
# and no prompts, then makes an IAM token for the new proxy and reads it back.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[lab]'

port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true' EXIT
endpoint="http://127.0.0.1:$port"
for _ in $(seq 50); do
    .venv/bin/python -c "import urllib.request as u; u.urlopen('$endpoint/moto-api/')" 2>/dev/null && break
    sleep 0.2
done

# A local stand-in needs no real credentials; keep the user's AWS profile out of it.
export PROXYCTL_ENDPOINT_URL="$endpoint" AWS_REGION=us-east-1 \
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_MAX_ATTEMPTS=1
unset AWS_PROFILE AWS_SESSION_TOKEN
.venv/bin/python -m tests.aws_world "$endpoint"
.venv/bin/proxyctl init --yes
.venv/bin/proxyctl token --proxy orders-db-proxy --user postgres | .venv/bin/proxyctl token inspect -
