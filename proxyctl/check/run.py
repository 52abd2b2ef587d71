"""The check flow: a resolved Target -> data-plane phases -> control plane -> report.

`run` shows each phase through a View as it ends and the report at the end (also
after Ctrl-C), then raises what the exit code should say: AwsRefusedError (4) when
AWS refused the control-plane reads, CheckFailed (6) when a check failed.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from proxyctl.check.findings import Finding, Report, fail, skip
from proxyctl.errors import AwsRefusedError, CheckFailed, UsageError

if TYPE_CHECKING:
    from proxyctl.app import App
    from proxyctl.db.run import Phases
    from proxyctl.db.target import Target

_SG = re.compile(r"^sg-[0-9a-f]{8,17}$")


@dataclass
class CheckOptions:
    """What check adds to the connection options."""

    timeout: float = 5.0
    samples: int = 10
    skip_aws: bool = False
    source_sgs: list[str] = field(default_factory=list)
    source_cidrs: list[str] = field(default_factory=list)


class View(Protocol):
    """Where the findings go: each phase's as it ends, then the whole report."""

    def phase(self, found: list[Finding]) -> None: ...
    def finish(self, report: Report) -> None: ...


def check_options(o: CheckOptions) -> None:
    """The caller's security groups and address ranges, refused with the flag named."""
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


def run(app: App, target: Target, o: CheckOptions, view: View, proxy: Any = None) -> Report:
    """Every data-plane phase, then (for a looked-up proxy) the control plane.

    PROXY: the proxy's record when the options looked it up (DescribeDBProxies runs once).
    """
    from proxyctl.db import phases

    report = Report(target=target.where, findings=[])
    refused = None
    try:
        phases.run(_phases(target, o, report, view))
        if target.proxy is not None and not o.skip_aws:
            refused = _aws_findings(app, target, o, report, view, proxy)
    except KeyboardInterrupt:  # show what ran, then exit 130 through the one handler
        report.interrupted = True
        view.finish(report)
        raise
    view.finish(report)
    if refused is not None:
        refused.result_written = True  # the report lists it: stdout keeps one document
        raise refused
    if report.failed:
        raise CheckFailed(report.verdict)
    return report


def _phases(target: Target, o: CheckOptions, report: Report, view: View) -> Phases:
    from proxyctl.check.tlsreport import tls_findings
    from proxyctl.db import tls
    from proxyctl.db.hints import explain
    from proxyctl.db.run import Phases

    return Phases(
        target,
        read_tls=lambda result: tls_findings(
            result, target.host, target.store, target.store_hint, tls.now()
        ),
        explain=explain,
        timeout=o.timeout,
        samples=o.samples,
        findings=report.findings,
        on_phase=view.phase,
    )


def _aws_findings(
    app: App, target: Target, o: CheckOptions, report: Report, view: View, proxy: Any
) -> AwsRefusedError | None:
    """The control-plane findings, added to REPORT and shown; AWS's refusal is returned."""
    refused, found = None, []
    try:
        found = _control_plane(app, target, o, proxy)
    except AwsRefusedError as exc:  # not a finding: exit 4, but keep what was seen
        found, refused = [fail("aws.refused", "aws", exc.message, exc.hint or "")], exc
    except KeyboardInterrupt:
        found = [skip("aws.interrupted", "aws", "interrupted (Ctrl-C) before it ended.")]
        raise
    finally:
        report.findings.extend(found)
        view.phase(found)
    return refused


def _control_plane(app: App, target: Target, o: CheckOptions, proxy: Any) -> list[Finding]:
    from proxyctl.check.control import control_plane
    from proxyctl.check.read import read_proxy_facts

    facts = read_proxy_facts(app.clients, proxy if proxy is not None else str(target.proxy))
    return control_plane(
        facts,
        auth=target.auth,
        source_sgs=o.source_sgs,
        source_cidrs=o.source_cidrs,
        user=target.user,
    )
