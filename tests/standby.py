"""A primary, its streaming standby and PgBouncer in front (proxyctl.lab.cluster), as the
`promotion_cluster` fixture (a test module enables it with
``pytest_plugins = ["tests.standby"]``).

PYTEST_DONT_REWRITE: no asserts here, and test modules import it before pytest loads it as
a plugin (which would otherwise warn that it cannot rewrite it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from proxyctl.lab.cluster import Cluster, promotion_command, running_cluster
from proxyctl.lab.pgbouncer import find_pgbouncer
from tests.pg import or_fail

__all__ = ["Cluster", "promotion_command"]


@pytest.fixture
def promotion_cluster(
    pg_bindir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """A primary, a streaming standby and PgBouncer in front of the primary, for one test."""
    or_fail(find_pgbouncer)
    with running_cluster(tmp_path_factory.mktemp("promotion"), pg_bindir) as cluster:
        yield cluster
