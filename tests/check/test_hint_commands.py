"""Every shell command in a check hint, run by a real shell with text from AWS that fights back.

AWS returns names, ARNs and descriptions that a user (or an attacker with write access
to the account) chose. A hint that pastes them into a command line unquoted runs
their text when the user copies the command. Here each hint's command runs in bash
with `aws` replaced by a function that prints its arguments: nothing may run but
`aws`, and each value must arrive as the one argument it was meant to be.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from proxyctl.check.control import control_plane
from proxyctl.check.facts import ProxyFacts, RoleFacts, SecretFacts
from proxyctl.check.findings import Finding
from proxyctl.model.proxy import AuthEntry
from tests.check.test_control import healthy, with_proxy

EVIL = "x' ; touch pwned1 ; echo '$(touch pwned2)`touch pwned3`"
SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:" + EVIL
ROLE = "arn:aws:iam::111122223333:role/" + EVIL


def hostile() -> ProxyFacts:
    """Healthy facts, with outside text in every field a hint may quote."""
    facts = with_proxy(
        healthy(),
        name="p" + EVIL,
        auth=(AuthEntry(SECRET, "DISABLED", description=EVIL),),
        role_arn=ROLE,
        security_groups=("sg-" + EVIL,),
        require_tls=False,
    )
    return replace(
        facts,
        secrets=[SecretFacts(SECRET, True, scheduled_for_deletion=True)],
        role=RoleFacts(ROLE, EVIL, True, trusts_rds=False),
        databases=[replace(facts.databases[0], security_groups=["sg-db" + EVIL])],
        targets=[],
        missing_groups=["sg-" + EVIL],
    )


def broken_variants() -> list[ProxyFacts]:
    facts = hostile()
    return [
        facts,
        replace(facts, role=None),
        replace(facts, secrets=[SecretFacts(SECRET, False)]),
        replace(facts, secrets=[SecretFacts(SECRET, True, is_json=False)]),
        replace(
            with_proxy(facts, auth=(AuthEntry(SECRET, "REQUIRED", description=EVIL),)),
            secrets=[
                SecretFacts(
                    SECRET,
                    True,
                    is_json=True,
                    has_username=True,
                    has_password=True,
                    username="other",
                )
            ],
        ),
    ]


def hints_with_commands() -> list[Finding]:
    found = []
    for facts in broken_variants():
        for auth in ("iam", "password"):
            findings = control_plane(
                facts, auth=auth, source_sgs=[], source_cidrs=["192.0.2.0/24"], user="app"
            )
            found += [f for f in findings if f.hint and "aws " in f.hint]
    return found


def run_in_bash(command: str, cwd: Path) -> list[str]:
    script = 'aws() { for arg in "$@"; do printf "%s\\0" "$arg"; done; }\n' + command + "\n"
    out = subprocess.run(
        ["bash", "-c", script], cwd=cwd, capture_output=True, timeout=10, check=False
    )
    assert out.returncode == 0, (command, out.stderr)
    return out.stdout.decode().split("\0")[:-1]


def test_every_hint_command_keeps_outside_text_as_data(tmp_path: Path) -> None:
    shell_dir = tmp_path / "shell"
    shell_dir.mkdir()
    findings = hints_with_commands()
    codes = {f.code for f in findings}
    assert codes >= {
        "proxy.require_tls",
        "proxy.iam_auth",
        "target.health",
        "role.exists",
        "role.trust",
        "secret.exists",
        "secret.format",
        "secret.user",
        "network.groups",
        "network.client_ingress",
        "network.db_ingress",
    }, codes
    for finding in findings:
        assert finding.hint is not None
        command = finding.hint[finding.hint.index("aws ") :]
        args = run_in_bash(command, shell_dir)
        assert not list(shell_dir.iterdir()), (finding.code, command)  # nothing but aws ran
        for flag in ("--db-proxy-name", "--role-name", "--secret-id", "--group-id"):
            if flag in args:
                assert EVIL in args[args.index(flag) + 1], (finding.code, args)


@pytest.mark.parametrize("iam_auth", ["DISABLED", "REQUIRED"])
def test_the_auth_document_arrives_whole(tmp_path: Path, iam_auth: str) -> None:
    shell_dir = tmp_path / "shell"
    shell_dir.mkdir()
    facts = with_proxy(hostile(), auth=(AuthEntry(SECRET, iam_auth, description=EVIL),))
    auth = "iam" if iam_auth == "DISABLED" else "password"
    findings = control_plane(facts, auth=auth, source_sgs=[], source_cidrs=[], user="app")
    hint = next(f.hint for f in findings if f.code == "proxy.iam_auth")
    assert hint is not None
    args = run_in_bash(hint[hint.index("aws ") :], shell_dir)
    document = json.loads(args[args.index("--auth") + 1])
    assert document[0]["Description"] == EVIL and document[0]["SecretArn"] == SECRET
    assert not list(shell_dir.iterdir())
