"""The check flow: options -> target -> data-plane phases -> control plane -> report."""

from __future__ import annotations

import ipaddress
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from proxyctl import validate
from proxyctl.check.findings import fail
from proxyctl.cli.prompts import ask_text
from proxyctl.config import Settings
from proxyctl.errors import AwsRefusedError, ExitCode, UsageError

AUTH_MODES = ("iam", "secret", "password")
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
    if (o.proxy is None) == (o.host is None):
        raise UsageError("give --proxy NAME or --host HOST (one of them).", field="--proxy")
    if o.proxy is not None:
        validate.proxy_name(o.proxy)
    if o.host is not None:
        validate.host(o.host)
    if o.auth is not None and o.auth not in AUTH_MODES:
        raise UsageError(
            f"--auth: {o.auth!r} is not one of {', '.join(AUTH_MODES)}.", field="--auth"
        )
    if o.ca_bundle is not None and not Path(o.ca_bundle).is_file():
        raise UsageError(f"--ca-bundle: no file at {o.ca_bundle}.", field="--ca-bundle")
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
    auth = o.auth
    if auth == "secret":
        if proxy is None:
            raise UsageError(
                "--auth secret reads the proxy's secret: give --proxy.", field="--auth"
            )
        from proxyctl.aws.secrets import password_for

        return lambda: password_for(c, proxy.secret_arns, user)
    if auth == "password":
        return lambda: _typed_password(settings, user)

    def token() -> str:
        from proxyctl.aws.signing import issue_token

        region = c.region if c is not None else None
        made, _ = issue_token(
            settings.named_profile, settings.region, host, o.port, user, o.database, region
        )
        return made.token

    return token


def _typed_password(settings: Settings, user: str) -> str:
    if os.environ.get("PGPASSWORD"):
        return os.environ["PGPASSWORD"]
    if settings.no_input:
        raise UsageError("--auth password: set PGPASSWORD (prompts are off).", field="PGPASSWORD")
    import questionary

    return str(questionary.password(f"Password of {user}:").unsafe_ask())


def run_check(settings: Settings, o: CheckOptions) -> None:
    from proxyctl.check.findings import Report
    from proxyctl.check.tlsreport import trust_store
    from proxyctl.db import phases
    from proxyctl.output import emit

    check_options(o)
    via = parse_via(o.via) if o.via else None
    user = o.user or ask_text(settings, "--user", "Database user:", validate.db_user)
    validate.db_user(user)
    c = proxy = None
    host = o.host or ""
    if o.proxy is not None:
        from proxyctl.aws import proxies
        from proxyctl.aws.clients import Clients

        c = Clients(settings)
        proxy = proxies.describe_proxy(c.rds, o.proxy, c.region)
        host = proxy.endpoint
    if o.auth is None:
        o.auth = "secret" if proxy is not None and proxy.iam_auth == "DISABLED" else "iam"
    cafile, store, store_hint = trust_store(host, o.ca_bundle)
    target = phases.Target(
        host=host,
        port=o.port,
        user=user,
        database=o.database,
        password=_password_source(settings, o, user, host, proxy, c),
        auth=o.auth,
        cafile=cafile,
        store=store,
        store_hint=store_hint,
        via=via,
        timeout=o.timeout,
        samples=o.samples,
    )
    findings = phases.run(target)
    refused = None
    if proxy is not None and not o.skip_aws:
        try:
            findings += _control_plane(c, proxy.name, o, user)
        except AwsRefusedError as exc:  # not a finding: exit 4, but keep what was seen
            findings.append(fail("aws.refused", "aws", exc.message, exc.hint or ""))
            refused = exc
    report = Report(
        target=f"{user}@{host}:{o.port}" + (f" via {o.via}" if o.via else ""), findings=findings
    )
    emit(report, settings.json)
    if refused is not None:
        sys.stderr.write(f"error: {refused.message}\n")
        raise typer.Exit(ExitCode.AWS_REFUSED)
    if report.failed:
        raise typer.Exit(ExitCode.CHECK_FAILED)


def _control_plane(c: Any, name: str, o: CheckOptions, user: str) -> list[Any]:
    from proxyctl.aws.inspect import read_proxy_facts
    from proxyctl.check.control import control_plane

    facts = read_proxy_facts(c, name)
    auth = o.auth or "iam"
    return control_plane(
        facts, auth=auth, source_sgs=o.source_sgs, source_cidrs=o.source_cidrs, user=user
    )
