"""The seeded AWS stand-in (proxyctl.lab.aws_world) and boto3 clients for it in tests.

`python -m tests.aws_world ENDPOINT` seeds a sample Aurora cluster (tests/demo.sh).
"""

from __future__ import annotations

from typing import Any

from proxyctl.aws.clients import endpoint_client
from proxyctl.lab.aws_world import CREDENTIALS, REGION, make_proxy, seed_aurora

__all__ = ["REGION", "boto_client", "make_proxy", "seed_aurora"]


def boto_client(endpoint: str, service: str) -> Any:
    return endpoint_client(service, endpoint, REGION, CREDENTIALS)


if __name__ == "__main__":
    import sys

    made = seed_aurora(sys.argv[1])
    cluster = made["cluster"]
    print(
        f"seeded {sys.argv[1]}: Aurora PostgreSQL cluster {cluster['DBClusterIdentifier']} "
        f"(2 instances, RDS-managed secret, subnets {', '.join(made['subnets'])})"
    )
