"""The failover drill's AWS calls: FailoverDBCluster is sent once whatever AWS answers,
and a hanging API never holds the drill past --timeout."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from proxyctl.aws import failover
from proxyctl.aws.clients import Clients
from proxyctl.config import Settings
from tests import pg
from tests.aws_world import seed_aurora
from tests.conftest import Cli

pytest_plugins = ["tests.pg"]


def fail_over_with_http_500(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the moto server answer FailoverDBCluster with HTTP 500 and an AWS error body
    (InternalFailure), as AWS does on an internal error that may come after the failover
    began; returns the list of calls that reached the server. Not botocore's Stubber: it
    answers before botocore's retry handler, so it could not show how many requests went
    out; the server counts what arrived."""
    from moto.core.exceptions import _RESTError
    from moto.rds.models import RDSBackend

    class InternalFailure(_RESTError):
        code = 500
        include_type_sender = False

    calls: list[str] = []

    def broken(self: Any, db_cluster_identifier: str, *args: Any) -> Any:
        calls.append(db_cluster_identifier)
        raise InternalFailure("InternalFailure", "An internal error occurred.")

    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)  # botocore's default: 3 attempts
    monkeypatch.setattr(RDSBackend, "failover_db_cluster", broken)
    return calls


def test_failover_answered_with_http_500_is_sent_once_and_called_unclear(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_aurora(aws)
    calls = fail_over_with_http_500(monkeypatch)
    clients = Clients(Settings(region="us-east-1", endpoint_url=aws))
    unclear = failover.fail_over(clients, "orders-db", None)
    assert calls == ["orders-db"]
    assert unclear is not None and "InternalFailure" in unclear and "500" in unclear, unclear


def test_a_clear_refusal_still_raises(aws: str) -> None:
    from proxyctl.errors import NotFoundError

    clients = Clients(Settings(region="us-east-1", endpoint_url=aws))
    with pytest.raises(NotFoundError):
        failover.fail_over(clients, "no-such-cluster", None)


def test_a_hanging_describe_never_holds_the_drill_past_its_timeout(pg_tls: pg.PgServer) -> None:
    from proxyctl.db.probe import Endpoint, Prober
    from proxyctl.drill.run import Drill, run_drill
    from proxyctl.drill.samples import DrillSettings, EndpointKind, EventKind
    from proxyctl.drill.samples import Endpoint as Probed
    from proxyctl.drill.trigger import no_trigger
    from tests.drill.views import RecordingView

    probed = Probed("proxy", EndpointKind.PROXY, "localhost", pg_tls.port)
    target = Endpoint(
        "proxy",
        "localhost",
        pg_tls.port,
        "app",
        "app",
        lambda: pg.APP_PASSWORD,
        sslrootcert=str(pg_tls.ca_file),
    )
    settings = DrillSettings(
        "none", "reconnect", 0.2, 1.0, 0.5, 1.0, 3.0, started=_now(), endpoints=[probed]
    )
    with pg.hanging_server() as port:
        clients = Clients(Settings(region="us-east-1", endpoint_url=f"http://127.0.0.1:{port}"))
        drill = Drill(
            settings,
            lambda sink, t0: [Prober(target, sink, interval=0.2, probe_timeout=1.0, origin=t0)],
            no_trigger(),
            writer=lambda: failover.current_writer(clients, "orders-db"),
        )
        began = time.monotonic()
        outcome = run_drill(drill, RecordingView())
        took = time.monotonic() - began
    assert outcome.analysis.end_reason is EventKind.TIMEOUT
    assert took < settings.timeout + 1.5, took


def test_token_for_a_proxy_names_the_api_endpoint_that_does_not_answer(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AWS_MAX_ATTEMPTS")  # botocore's default: 3 attempts
    with pg.hanging_server() as port:
        url = f"http://127.0.0.1:{port}"
        began = time.monotonic()
        run = cli("--endpoint-url", url, "token", "--proxy", "orders", "--user", "app")
        took = time.monotonic() - began
    assert run.exit_code == 5, run.stderr
    assert f'Read timeout on endpoint URL: "{url}/"' in run.stderr
    assert took < 20, took  # 3 attempts of 5 s (botocore's 60 s made it minutes)


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)
