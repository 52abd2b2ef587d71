"""Bad input: the right exit code, a message naming the field, and no traceback."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_HOST, Cli

H = ["--host", SAMPLE_HOST]


@dataclass
class Case:
    name: str
    args: list[str]
    code: int
    names: str  # the flag or field the message must name
    says: str  # a phrase of the message
    env: dict[str, str] = field(default_factory=dict)
    config: str | None = None
    stdin: str | None = None
    unset: tuple[str, ...] = ()


CASES = [
    Case("bad region", ["--region", "moon-base", "token", *H, "--user", "u"], 2, "--region", "not an AWS region"),
    Case("unknown profile", ["--profile", "nosuch", "token", *H, "--user", "u"], 2, "--profile", "nosuch"),
    Case("unknown context", ["--context", "nosuch", "config", "show"], 2, "--context", "no context 'nosuch'"),
    Case("malformed config", ["config", "show"], 2, "config.toml", "not valid TOML", config="[default\nregion="),
    Case("unknown config key", ["config", "show"], 2, "'regoin'", "unknown key", config='[default]\nregoin = "x"\n'),
    Case("bad config region", ["config", "show"], 2, "region", "not an AWS region", config='[default]\nregion = "x"\n'),
    Case("bad config port", ["token", *H, "--user", "u"], 2, "port = 'abc'", "'abc' is not a valid", config='[default]\nport = "abc"\n'),
    Case("value outside a table", ["config", "show"], 2, "'region'", "outside any table", config='region = "eu-west-1"\n'),
    Case("invalid endpoint URL", ["--endpoint-url", "localhost:5000", "config", "show"], 2, "--endpoint-url", "not an http(s) URL"),
    Case("no credentials", ["token", *H, "--user", "u"], 4, "AWS_ACCESS_KEY_ID", "No AWS credentials", unset=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")),
    Case("port 0", ["token", *H, "--user", "u", "--port", "0"], 2, "--port", "not in the range"),
    Case("port 70000", ["token", *H, "--user", "u", "--port", "70000"], 2, "--port", "not in the range"),
    Case("port abc", ["token", *H, "--user", "u", "--port", "abc"], 2, "--port", "'abc' is not a valid"),
    Case("empty user", ["token", *H, "--user", ""], 2, "--user", "user name is empty"),
    Case("missing user", ["token", *H], 2, "--user", "--user is required"),
    Case("host with a scheme", ["token", "--host", "https://db.example.com/", "--user", "u"], 2, "--host", "not a host name"),
    Case("host with a space", ["token", "--host", "db example.com", "--user", "u"], 2, "--host", "not a host name"),
    Case("proxy and host", ["token", *H, "--proxy", "p", "--user", "u"], 2, "--proxy", "give one"),
    Case("no endpoint", ["token", "--user", "u"], 2, "--host", "give --proxy NAME or --host HOST"),
    Case("bad proxy name", ["token", "--proxy", "bad--name", "--user", "u"], 2, "--proxy", "not a valid RDS Proxy name"),
    Case("malformed token", ["token", "inspect", "not-a-token"], 2, "TOKEN", "not an RDS IAM auth token"),
    Case("empty token on stdin", ["token", "inspect", "-"], 2, "TOKEN", "it is empty", stdin=""),
    Case("unknown output", ["--output", "yaml", "config", "show"], 2, "--output", "'yaml'"),
    Case("unknown output in env", ["config", "show"], 2, "--output", "'yaml'", env={"PROXYCTL_OUTPUT": "yaml"}),
    Case("unknown format", ["token", *H, "--user", "u", "--format", "xml"], 2, "--format", "'xml'"),
    Case("unknown option", ["token", "--frobnicate"], 2, "--frobnicate", "No such option"),
    Case("no region for an AWS call", ["token", "--proxy", "orders", "--user", "u"], 2, "--region", "no AWS region is set", unset=("AWS_DEFAULT_REGION",)),
    Case("unreachable AWS endpoint", ["--endpoint-url", "http://127.0.0.1:9", "token", "--proxy", "p", "--user", "u"], 5, "--endpoint-url", "Could not reach the AWS API"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("mode", ["text", "json"])
def test_bad_input(
    cli: Cli, config_file: Path, monkeypatch: pytest.MonkeyPatch, case: Case, mode: str
) -> None:
    for name in case.unset:
        monkeypatch.delenv(name)
    if case.config is not None:
        config_file.write_text(case.config)
    env = dict(case.env)
    if mode == "json" and "PROXYCTL_OUTPUT" not in env and "--output" not in case.args:
        env["PROXYCTL_OUTPUT"] = "json"
    run = cli(*case.args, env=env, input=case.stdin)
    assert run.exit_code == case.code, run.stderr
    assert run.stderr.startswith("error: ")
    assert case.names in run.stderr
    assert case.says in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    if env.get("PROXYCTL_OUTPUT") == "json" and case.name != "unknown output in env":
        doc = json.loads(run.stdout)
        assert doc["kind"] == "error"
        assert doc["error"]["exit_code"] == case.code
        assert case.says in doc["error"]["message"]
    else:
        assert run.stdout == ""


def test_there_are_at_least_fifteen_cases() -> None:
    assert len(CASES) >= 15
