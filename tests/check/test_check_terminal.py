"""`check` as a program: phases shown as they end, Ctrl-C, a password prompt, odd encodings."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests import pg
from tests.check.fake_pg import fake_server
from tests.cli.test_prompts import run_in_terminal

WAIT = 20.0
APP = ("--user", "app", "--database", "app", "--auth", "password", "--samples", "3")


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "proxyctl", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
    )


def read_until(proc: subprocess.Popen[bytes], marker: bytes) -> bytes:
    """What the process printed on stdout until MARKER (or WAIT seconds, or its exit)."""
    assert proc.stdout is not None
    seen = b""
    deadline = time.monotonic() + WAIT
    while marker not in seen and time.monotonic() < deadline:
        if select.select([proc.stdout], [], [], 0.1)[0]:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
    return seen


def interrupt(proc: subprocess.Popen[bytes]) -> tuple[int, str, str, float]:
    """SIGINT, as Ctrl-C sends; the exit code, stdout, stderr and seconds to exit."""
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=WAIT)
    return proc.returncode, out.decode(), err.decode(), time.monotonic() - sent


def hanging_check(server_port: int, ca_file: Path, *extra: str) -> subprocess.Popen[bytes]:
    where = ("--host", "localhost", "--port", str(server_port), "--ca-bundle", str(ca_file))
    env = {"PGPASSWORD": pg.APP_PASSWORD, "PYTHONIOENCODING": "utf-8"}
    return start([*extra, "check", *where, *APP, "--connect-timeout", "60"], env)


def test_phases_show_as_they_end_and_ctrl_c_keeps_them(tmp_path: Path) -> None:
    with fake_server(tmp_path, "hang") as server:
        proc = hanging_check(server.port, server.ca_file)
        try:
            shown = read_until(proc, b"auth").decode()
            assert server.queried.wait(WAIT)
            assert proc.poll() is None  # still waiting on the query: shown before the end
            code, out, err, took = interrupt(proc)
        finally:
            proc.kill()
    lines = (shown + out).splitlines()
    assert [line.split()[:2] for line in lines[:4]] == [
        ["✓", "resolve"],
        ["✓", "tcp"],
        ["✓", "tls"],
        ["✓", "tls"],
    ]
    assert any(line.startswith("✓ auth") for line in lines)
    assert re.match(r"- query +\d+\.\d ms  interrupted \(Ctrl-C\) before it ended\.$", lines[-2])
    assert lines[-1] == "INTERRUPTED (Ctrl-C) before the check ended"
    assert code == 130 and err.strip().endswith("interrupted"), err
    assert took < 5  # not after the 60 s bound


def test_ctrl_c_in_json_mode_prints_the_document_so_far(tmp_path: Path) -> None:
    with fake_server(tmp_path, "hang") as server:
        proc = hanging_check(server.port, server.ca_file, "--output", "json")
        try:
            assert server.queried.wait(WAIT)
            code, out, err, _ = interrupt(proc)
        finally:
            proc.kill()
    assert code == 130, err
    doc = json.loads(out)
    assert doc["kind"] == "check" and doc["interrupted"] is True
    found = {f["code"]: f["status"] for f in doc["findings"]}
    assert found["auth.ok"] == "ok" and found["query.interrupted"] == "skip"
    assert "query.ok" not in found


def test_password_typing_time_is_not_sign_in_time(pg_tls: pg.PgServer) -> None:
    where = ("--host", "localhost", "--port", str(pg_tls.port), "--ca-bundle", str(pg_tls.ca_file))
    args = ["check", *where, *APP]
    code, screen = run_in_terminal(args, pg.APP_PASSWORD, {}, b"Password of app", typing_delay=2.0)
    assert code == 0, screen
    auth = re.search(r"✓ auth +(\d+\.\d) ms  signed in as app", screen)
    assert auth is not None, screen
    assert float(auth.group(1)) < 1500  # sign-in alone; the 2 s of typing are left out
    assert pg.APP_PASSWORD not in screen


def test_a_stdout_without_check_marks_gets_ascii(pg_server: pg.StartServer) -> None:
    server = pg_server()
    assert server.ca is not None
    # Certificate text is outside data that such a stdout may not be able to encode either.
    server.use_cert(server.ca.issue_cert("localhost", organization_name="Bäckerei ✓"))
    where = ("--host", "localhost", "--port", str(server.port), "--ca-bundle", str(server.ca_file))
    for encoding in ("ascii", "latin-1"):
        env = {"PGPASSWORD": pg.APP_PASSWORD, "PYTHONIOENCODING": encoding}
        proc = start(["check", *where, *APP], env)
        out, err = proc.communicate(timeout=WAIT)
        assert proc.returncode == 0, err.decode()
        text = out.decode(encoding)
        assert text.splitlines()[0].startswith("+ resolve")
        assert "✓" not in text and "Traceback" not in err.decode()
        certificate = next(line for line in text.splitlines() if "certificate" in line)
        assert "Bäckerei" in certificate if encoding == "latin-1" else "B\\xe4ckerei" in certificate
        assert text.splitlines()[-1] == f"OK: app@localhost:{server.port} works end to end"
