"""proxyctl.lab is usable outside the tests: importing it loads neither pytest nor the
heavy libraries, and a missing library of the `lab` extra says how to get it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import proxyctl.lab
from proxyctl.lab import certs, moto
from proxyctl.lab.errors import LabFailed, LabToolMissing
from proxyctl.lab.pgbouncer import find_pgbouncer
from proxyctl.lab.system import free_port, is_running
from tests.aws_world import boto_client

HEAVY = ("pytest", "boto3", "botocore", "psycopg", "moto", "trustme")


def test_importing_every_lab_module_loads_no_test_or_heavy_library() -> None:
    names = [f"proxyctl.lab.{m.name}" for m in pkgutil.iter_modules(proxyctl.lab.__path__)]
    assert "proxyctl.lab.cluster" in names
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "[]\n"


@pytest.mark.parametrize(
    ("library", "start"), [("trustme", certs.new_ca), ("moto.server", moto.start_moto)]
)
def test_a_missing_library_says_to_install_the_lab_extra(
    monkeypatch: pytest.MonkeyPatch, library: str, start: object
) -> None:
    monkeypatch.setitem(sys.modules, library, None)  # the next import of it fails
    with pytest.raises(LabToolMissing, match="the lab needs the Python package") as caught:
        start()  # type: ignore[operator]
    assert caught.value.hint == "pip install 'proxyctl[lab]'"
    assert caught.value.exit_code == 2


def test_missing_pgbouncer_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda *a, **kw: None)
    with pytest.raises(LabToolMissing, match=r"^pgbouncer not found$") as caught:
        find_pgbouncer()
    assert caught.value.hint is not None
    assert "`apt-get install pgbouncer`" in caught.value.hint
    assert "`brew install pgbouncer`" in caught.value.hint


def test_resetting_nothing_listening_is_a_lab_failure() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(LabFailed, match=f"could not reset the AWS stand-in at {url}"):
        moto.reset_moto(url)


def test_moto_as_its_own_process_answers_and_stops(tmp_path: Path) -> None:
    log = tmp_path / "moto.log"
    server = moto.start_moto_process(log)
    try:
        assert server.pid is not None and is_running(server.pid)
        sts = boto_client(server.url, "sts")
        assert sts.get_caller_identity()["Account"] == "123456789012"  # moto's account
    finally:
        server.stop()
    assert not is_running(server.pid)
    with pytest.raises(LabFailed, match=f"could not reset the AWS stand-in at {server.url}"):
        moto.reset_moto(server.url)
