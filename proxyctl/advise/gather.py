"""Read the evidence for `advise` from AWS; a part that cannot be read is said, not fatal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from proxyctl import pricing
from proxyctl.advise.evidence import (
    Connections,
    Evidence,
    Instance,
    Lambdas,
    Limit,
    limit_from,
    p95,
)
from proxyctl.aws import footprint, functions, metrics
from proxyctl.aws.clients import Clients
from proxyctl.errors import AwsRefusedError, NotFoundError, ProxyctlError
from proxyctl.model.metrics import Window
from proxyctl.validate import duration_text

DIMENSION = {"cluster": "DBClusterIdentifier", "instance": "DBInstanceIdentifier"}


def _limit(c: Clients, fp: footprint.Footprint) -> Limit:
    writer = next((m for m in fp.members if m.writer), None)
    if writer is None:
        return Limit(None, "no writer instance found")
    written = None
    if writer.parameter_group:
        try:
            written = footprint.read_max_connections(c.rds, writer.parameter_group)
        except (NotFoundError, AwsRefusedError):
            written = None  # a default group may be unreadable: the default formula holds
    return limit_from(written, writer.instance_class, writer.parameter_group)


def _connections(c: Clients, fp: footprint.Footprint, seconds: float) -> Connections:
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    window = Window(end - timedelta(seconds=seconds), end)
    series = metrics.read_database_connections(
        c.cloudwatch, DIMENSION[fp.kind], fp.identifier, window
    )
    values = [v for _, v in series.points]
    return Connections(
        since=duration_text(seconds),
        peak=max(values) if values else None,
        p95=p95(values),
        limit=_limit(c, fp),
    )


def _cost(fp: footprint.Footprint, price: float | None) -> pricing.Estimate:
    classes = [m.instance_class for m in fp.members]
    if fp.serverless and pricing.SERVERLESS in classes:
        return pricing.serverless_estimate(*fp.serverless)
    return pricing.estimate(classes, price)


def _lambdas(c: Clients, fp: footprint.Footprint) -> Lambdas:
    found = functions.functions_reaching(c.functions, c.ec2, fp.vpc_id, fp.endpoints)
    account = functions.account_concurrency(c.functions) if found else None
    return Lambdas(tuple((f.name, f.variables, f.reserved) for f in found), account)


def gather(c: Clients, kind: str, identifier: str, seconds: float, price: float | None) -> Evidence:
    """Everything `advise` weighs for the database IDENTIFIER (NotFoundError when absent)."""
    fp = footprint.read_footprint(c.rds, kind, identifier)
    unavailable: dict[str, str] = {}
    connections = None
    try:
        connections = _connections(c, fp, seconds)
    except ProxyctlError as exc:
        unavailable["connections"] = exc.message
    proxies: tuple[tuple[str, str], ...] = ()
    try:
        proxies = tuple(
            footprint.proxies_in_front(c.rds, identifier, [m.identifier for m in fp.members])
        )
    except ProxyctlError as exc:
        unavailable["proxies"] = exc.message
    lambdas = None
    try:
        lambdas = _lambdas(c, fp)
    except ProxyctlError as exc:
        unavailable["Lambda functions"] = exc.message
    return Evidence(
        identifier=identifier,
        kind=kind,
        engine=fp.engine,
        instances=tuple(
            Instance(m.identifier, m.instance_class, m.writer, m.multi_az) for m in fp.members
        ),
        iam_auth=fp.iam_auth,
        managed_secret=fp.managed_secret,
        connections=connections,
        proxies=proxies,
        lambdas=lambdas,
        activity=None,
        cost=_cost(fp, price),
        unavailable=unavailable,
    )
