"""Clients follow the settings: profile, region, endpoint, standard retries."""

from __future__ import annotations

from pathlib import Path

import pytest

from proxyctl.aws import session
from proxyctl.config import Settings
from proxyctl.errors import UsageError


def test_client_uses_region_endpoint_and_standard_retries() -> None:
    settings = Settings(region="eu-west-2", endpoint_url="http://127.0.0.1:4566")
    rds = session.client(settings, "rds")
    assert rds.meta.region_name == "eu-west-2"
    assert rds.meta.endpoint_url == "http://127.0.0.1:4566"
    assert rds.meta.config.retries["mode"] == "standard"
    assert "proxyctl/" in rds.meta.config.user_agent_extra


def test_client_takes_the_named_profile(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    (isolated / "aws" / "config").write_text("[profile staging]\nregion = ap-northeast-1\n")
    settings = Settings(profile="staging", sources={"profile": "flag"})
    assert session.client(settings, "rds").meta.region_name == "ap-northeast-1"


def test_unknown_profile_names_the_flag() -> None:
    with pytest.raises(UsageError) as caught:
        session.client(Settings(profile="nosuch", sources={"profile": "flag"}), "rds")
    assert caught.value.field == "--profile"
    assert "nosuch" in caught.value.message
