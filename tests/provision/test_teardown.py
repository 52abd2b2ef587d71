"""The destroy flow with scripted answers against moto: the typed name, the plan it runs."""

from __future__ import annotations

from typing import Any

import pytest

from proxyctl.config import Settings
from proxyctl.errors import UsageError
from proxyctl.provision import teardown
from proxyctl.provision.destroy import DestroyPlan, DestroyResult
from tests.answers import Answers, NoProgress, scripted_app
from tests.conftest import REGION, boto_client
from tests.provision_helpers import clients, seed_stack


def run_destroy(
    endpoint: str, answers: dict[str, Any], **options: Any
) -> tuple[DestroyPlan | DestroyResult, Answers, NoProgress]:
    """destroy orders with prompts on, the typed name scripted in ANSWERS."""
    settings = Settings(region=REGION, endpoint_url=endpoint, no_input=False)
    app = scripted_app(settings, answers, _clients=clients(endpoint))
    progress = NoProgress()
    done = teardown.run(app, "orders", teardown.DestroyOptions(**options), progress)
    assert isinstance(app.ask, Answers)
    return done, app.ask, progress


def proxies(endpoint: str) -> list[str]:
    found = boto_client(endpoint, "rds").describe_db_proxies()["DBProxies"]
    return [p["DBProxyName"] for p in found]


def test_a_wrong_name_typed_deletes_nothing(aws: str) -> None:
    seed_stack(aws)
    with pytest.raises(UsageError) as caught:
        run_destroy(aws, {"--yes": "order"})
    assert caught.value.message == "NAME: what you typed is not 'orders': nothing was deleted."
    assert caught.value.field == "NAME"
    assert proxies(aws) == ["orders"]


def test_the_name_typed_runs_the_plan_shown(aws: str) -> None:
    seed_stack(aws)
    plan, asker, _ = run_destroy(aws, {}, dry_run=True)
    assert isinstance(plan, DestroyPlan) and asker.flags == []
    done, asker, progress = run_destroy(aws, {"--yes": "orders"})
    assert asker.flags == ["--yes"]
    assert isinstance(done, DestroyResult)
    assert progress.steps == [step.summary for step in done.deleted]
    assert [step.summary for step in done.deleted] == [step.summary for step in plan.steps]
    assert proxies(aws) == []


def test_yes_asks_nothing(aws: str) -> None:
    seed_stack(aws)
    done, asker, _ = run_destroy(aws, {}, yes=True)
    assert isinstance(done, DestroyResult) and asker.flags == []
