"""The lab proxy front's bounded waits: a pooler that never answers, a client that never
signs in. Each wait is compared with the bound the test gave the front."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from proxyctl.lab.faults import hanging_server
from proxyctl.lab.front import BORROW_TIMED_OUT
from tests.lab.fronts import make_ca, make_front, refusal, token

BOUND = 0.5  # seconds the front is told to wait
SLACK = 3.0  # what a loaded machine may add to it


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    return make_ca(tmp_path)


def test_a_pooler_that_never_answers_gets_rds_proxy_s_borrow_timeout(ca_file: Path) -> None:
    with hanging_server() as port:
        # The borrow has its own bound, not the sign-in's (shorter here).
        front = make_front(port, ca_file, "", borrow_timeout=BOUND, startup_timeout=BOUND / 2)
        try:
            started = time.monotonic()
            message = refusal(front, ca_file, token())
            waited = time.monotonic() - started
            assert front.stats()["DatabaseConnectionsSetupFailed"] == 1
        finally:
            front.stop()
    assert f"FATAL:  {BORROW_TIMED_OUT}" in message
    assert BOUND <= waited < BOUND + SLACK


def test_a_client_that_never_signs_in_is_dropped(ca_file: Path) -> None:
    with hanging_server() as port:
        front = make_front(port, ca_file, "", startup_timeout=BOUND)
        try:
            with socket.create_connection(front.address, timeout=BOUND + SLACK) as silent:
                started = time.monotonic()
                assert silent.recv(100) == b""  # closed by the front, nothing said
                waited = time.monotonic() - started
        finally:
            front.stop()
    assert BOUND * 0.9 <= waited < BOUND + SLACK
