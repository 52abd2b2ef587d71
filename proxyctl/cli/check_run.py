"""The check flow: options -> target -> data-plane phases -> control plane -> report."""

from __future__ import annotations

import ipaddress
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import typer

from proxyctl import validate
from proxyctl.check.findings import fail
from proxyctl.cli.connection import check_target, env_password, iam_token, secret_password
from proxyctl.cli.prompts import ask_text
from proxyctl.config import Settings
from proxyctl.errors import AwsRefusedError, ExitCode, UsageError

_SG = re.compile(r"^sg-[0-9a-f]{8,17}$")


@dataclass
class CheckOptions:
    proxy: str | None = None
    host: str | None = None
    port: int = 5432
    user: str | None = None
    database: str = "postgres"
    auth: str | None = None
    via: str | None = None
    ca_bundle: str | None = None
    timeout: float = 5.0
    samples: int = 10
    skip_aws: bool = False
    source_sgs: list[str] = field(default_factory=list)
    source_cidrs: list[str] = field(default_factory=list)


def parse_via(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise UsageError(
            f"--via: {text!r} is not HOST:PORT.",
            hint="Give the local end of the tunnel, for example --via localhost:6432.",
            field="--via",
        )
    return validate.host(host.strip("[]"), field="--via"), int(port)


def check_options(o: CheckOptions) -> None:
    """Everything that needs no network, refused with the flag named."""
    check_target(o.proxy, o.host, o.auth, o.ca_bundle)
    for sg in o.source_sgs:
        if not _SG.match(sg):
            raise UsageError(
                f"--source-sg: {sg!r} is not a security group id.", field="--source-sg"
            )
    for cidr in o.source_cidrs:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise UsageError(
                f"--source-cidr: {cidr!r} is not a CIDR block.", field="--source-cidr"
            ) from None


def _password_source(
    settings: Settings, o: CheckOptions, user: str, host: str, proxy: Any, c: Any
) -> Callable[[], str]:
    if o.auth == "secret":
        return lambda: secret_password(c, proxy, user)
    if o.auth == "password":
        return lambda: env_password(settings, user)
    region = c.region if c is not None else None
    return lambda: iam_token(settings, host, o.port, user, o.database, region)


def run_check(settings: Settings, o: CheckOptions) -> None:
    from proxyctl.check.findings import Report
    from proxyctl.cli.check_view import CheckView
    from proxyctl.db import phases

    check_options(o)
    via = parse_via(o.via) if o.via else None
    user = o.user or ask_text(settings, "--user", "Database user:", validate.db_user)
    validate.db_user(user)
    c, proxy, host = _locate(settings, o)
    if o.auth is None:
        o.auth = "secret" if proxy is not None and proxy.iam_auth == "DISABLED" else "iam"
    where = f"{user}@{host}:{o.port}" + (f" via {o.via}" if o.via else "")
    report = Report(target=where, findings=[])
    view = CheckView(settings.json)
    target = _target(settings, o, user, host, via, (proxy, c))
    target.findings, target.on_phase = report.findings, view.phase
    refused = None
    try:
        phases.run(target)
        if proxy is not None and not o.skip_aws:
            refused = _aws_findings(c, proxy, o, user, report, view)
    except KeyboardInterrupt:  # show what ran, then exit 130 through the one handler
        report.interrupted = True
        view.finish(report)
        raise
    view.finish(report)
    if refused is not None:
        from proxyctl.output import clean

        sys.stderr.write(f"error: {clean(refused.message)}\n")
        raise typer.Exit(ExitCode.AWS_REFUSED)
    if report.failed:
        raise typer.Exit(ExitCode.CHECK_FAILED)


def _locate(settings: Settings, o: CheckOptions) -> tuple[Any, Any, str]:
    """(AWS clients, the proxy, the endpoint host): looked up with --proxy, else --host."""
    if o.proxy is None:
        return None, None, o.host or ""
    from proxyctl.aws import proxies
    from proxyctl.aws.clients import Clients

    c = Clients(settings)
    proxy = proxies.describe_proxy(c.rds, o.proxy, c.region)
    return c, proxy, proxy.endpoint


def _target(
    settings: Settings,
    o: CheckOptions,
    user: str,
    host: str,
    via: tuple[str, int] | None,
    found: tuple[Any, Any],
) -> Any:
    from proxyctl.check.tlsreport import trust_store
    from proxyctl.db.phases import Target

    proxy, c = found
    cafile, store, store_hint = trust_store(host, o.ca_bundle)
    return Target(
        host=host,
        port=o.port,
        user=user,
        database=o.database,
        password=_password_source(settings, o, user, host, proxy, c),
        auth=o.auth or "iam",
        cafile=cafile,
        store=store,
        store_hint=store_hint,
        via=via,
        timeout=o.timeout,
        samples=o.samples,
    )


def _aws_findings(
    c: Any, proxy: Any, o: CheckOptions, user: str, report: Any, view: Any
) -> AwsRefusedError | None:
    """The control-plane findings, added to REPORT and shown; AWS's refusal is returned."""
    from proxyctl.check.findings import skip

    refused, found = None, []
    try:
        found = _control_plane(c, proxy, o, user)
    except AwsRefusedError as exc:  # not a finding: exit 4, but keep what was seen
        found, refused = [fail("aws.refused", "aws", exc.message, exc.hint or "")], exc
    except KeyboardInterrupt:
        found = [skip("aws.interrupted", "aws", "interrupted (Ctrl-C) before it ended.")]
        raise
    finally:
        report.findings.extend(found)
        view.phase(found)
    return refused


def _control_plane(c: Any, proxy: Any, o: CheckOptions, user: str) -> list[Any]:
    from proxyctl.check.control import control_plane
    from proxyctl.check.read import read_proxy_facts

    facts = read_proxy_facts(c, proxy)  # the proxy _locate read: DescribeDBProxies once
    auth = o.auth or "iam"
    return control_plane(
        facts, auth=auth, source_sgs=o.source_sgs, source_cidrs=o.source_cidrs, user=user
    )
