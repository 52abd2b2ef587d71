"""`proxyctl advise`: should this database have an RDS proxy, and what would it cost?"""

# No `from __future__ import annotations` in command modules: Typer would have to
# evaluate every annotation string at start-up, which slows `proxyctl --help`.
from typing import TYPE_CHECKING, Annotated

import typer

from proxyctl.cli.options import GIVEN, connection_options
from proxyctl.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from proxyctl.app import App
    from proxyctl.reach import ConnectionOptions

# CloudWatch keeps one-minute data for 15 days.
SINCE_MOST = 15 * 86400


@connection_options
def advise(
    ctx: typer.Context,
    db_cluster: Annotated[
        str | None,
        typer.Option(metavar="ID", help="The Aurora PostgreSQL cluster to weigh a proxy for."),
    ] = None,
    db_instance: Annotated[
        str | None,
        typer.Option(metavar="ID", help="The RDS PostgreSQL instance to weigh, instead."),
    ] = None,
    since: Annotated[
        str,
        typer.Option(
            metavar="DURATION",
            help="How far back the database's connection counts go: 1h, 2d... (at most 15d).",
        ),
    ] = "7d",
    price_per_vcpu_hour: Annotated[
        float | None,
        typer.Option(
            metavar="USD",
            help="The RDS Proxy price per vCPU-hour for the estimate. Default: the us-east-1 "
            "price proxyctl knows (shown with its date and source).",
        ),
    ] = None,
    connection: "ConnectionOptions" = GIVEN,
) -> None:
    """Say whether a database would gain from an RDS proxy, why, and what it would cost.

    Reads the database's DatabaseConnections (CloudWatch, over --since) against its
    max_connections (its parameter group, or the engine's default formula for its
    instance class, said which), its readers or Multi-AZ standby (failover by DNS
    takes 30-60 s as clients see it; a proxy keeps its endpoint), IAM database auth
    and the master secret, the region's proxies already in front of it, and Lambda
    functions in its VPC whose environment names its endpoints (variable names only).
    With --host (or --proxy) and the other connection options: pg_stat_activity
    (connections by application and state, idle share, backends under 60 s old)
    and the statements in pg_stat_statements that would pin a proxy session. Then a
    verdict (recommended / likely useful / little benefit) with each reason and its
    figure, and the cost as an estimate with its arithmetic. A part that cannot be
    read is said, not fatal. Exit 0 whatever the verdict. Reads only.

    \b
    Examples:
      proxyctl advise --db-cluster orders-db
      proxyctl advise --db-instance reports --since 2d --price-per-vcpu-hour 0.018
      proxyctl advise --db-cluster orders-db --host "$DB_HOST" --user app
      proxyctl --output json advise --db-cluster orders-db
    """
    from proxyctl import validate

    app: App = ctx.obj
    kind, identifier = _which(db_cluster, db_instance)
    seconds = validate.duration(since, "--since", 3600, SINCE_MOST)
    if price_per_vcpu_hour is not None and not 0 < price_per_vcpu_hour < 10:
        raise UsageError(
            f"--price-per-vcpu-hour: {price_per_vcpu_hour:g} is not a price per vCPU-hour.",
            hint="Give US dollars per vCPU-hour, more than 0 and under 10, e.g. 0.015.",
            field="--price-per-vcpu-hour",
        )
    from proxyctl.advise.gather import gather
    from proxyctl.advise.report import advise as weigh

    try:
        evidence = gather(app.clients, kind, identifier, seconds, price_per_vcpu_hour)
    except NotFoundError as exc:
        flag = f"--db-{kind}"
        raise NotFoundError(
            f"{flag}: no {'Aurora cluster' if kind == 'cluster' else 'RDS instance'} "
            f"{identifier!r} in this region.",
            hint="Check the identifier and the region (--region).",
        ) from exc
    if connection.host is not None or connection.proxy is not None:
        from proxyctl.advise.database import add_database_side

        evidence = add_database_side(app, evidence, connection, 10.0)
    app.emit(weigh(evidence))


def _which(db_cluster: str | None, db_instance: str | None) -> tuple[str, str]:
    from proxyctl import validate

    if (db_cluster is None) == (db_instance is None):
        raise UsageError(
            "Give one database: --db-cluster ID or --db-instance ID.", field="--db-cluster"
        )
    if db_cluster is not None:
        return "cluster", validate.db_identifier(db_cluster, "--db-cluster")
    return "instance", validate.db_identifier(db_instance or "", "--db-instance")
