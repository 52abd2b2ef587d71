"""What a probe counts as: the read-only rule and the error classes."""

from __future__ import annotations

import dataclasses

import pytest

from proxyctl.drill.samples import apply_read_only_rule, reached_read_only
from proxyctl.model.probe import (
    MESSAGE_LIMIT,
    ErrorClass,
    Outcome,
    class_for_sqlstate,
    short_message,
)
from tests.drill.timelines import OLD, sample


def test_a_writer_probe_that_reached_a_server_in_recovery_failed_as_read_only() -> None:
    stale = sample("direct", 7, 7.0, server=(OLD, True))
    judged = apply_read_only_rule(stale, expects_writer=True)
    assert (judged.outcome, judged.error_class, judged.sqlstate) == (
        Outcome.ERROR,
        ErrorClass.READ_ONLY,
        None,
    )
    assert judged.message is not None and "in recovery" in judged.message
    # What the probe saw is kept: where it landed, and how long it took.
    assert (judged.server_addr, judged.in_recovery, judged.latency) == (OLD, True, stale.latency)
    assert reached_read_only(judged)


@pytest.mark.parametrize(
    ("server", "expects_writer"),
    [
        ((OLD, True), False),  # a reader endpoint is meant to reach replicas
        ((OLD, False), True),  # the writer
        (None, True),  # recovery state unknown: no assumption either way
    ],
)
def test_other_successes_stay_successes(
    server: tuple[str, bool] | None, expects_writer: bool
) -> None:
    probe = sample("x", 0, 0.0, server=server)
    assert apply_read_only_rule(probe, expects_writer) == probe


def test_a_failed_probe_keeps_its_own_class() -> None:
    refused = sample("direct", 0, 0.0, error=ErrorClass.REFUSED)
    assert apply_read_only_rule(refused, expects_writer=True) == refused
    assert not reached_read_only(refused)


def test_a_failure_without_a_class_counts_as_other() -> None:
    probe = sample("direct", 0, 0.0, error=ErrorClass.OTHER)
    unclassified = dataclasses.replace(probe, error_class=None)
    assert unclassified.failure_class is ErrorClass.OTHER
    assert sample("direct", 1, 0.2).failure_class is None


@pytest.mark.parametrize(
    ("sqlstate", "expected"),
    [
        ("57P01", ErrorClass.ADMIN_SHUTDOWN),
        ("25006", ErrorClass.READ_ONLY),
        ("28P01", ErrorClass.AUTH),
        ("28000", ErrorClass.AUTH),
        ("08006", None),  # connection failure: the message decides (refused, timeout...)
        (None, None),
    ],
)
def test_class_for_sqlstate(sqlstate: str | None, expected: ErrorClass | None) -> None:
    assert class_for_sqlstate(sqlstate) is expected


def test_short_message_keeps_the_first_line_within_the_limit() -> None:
    assert short_message("FATAL: terminating connection\nDETAIL: x") == (
        "FATAL: terminating connection"
    )
    long = short_message("x" * 500)
    assert len(long) == MESSAGE_LIMIT and long.endswith("…")
    assert short_message("  \n") == ""


def test_lateness_is_actual_start_minus_schedule() -> None:
    late = sample("proxy", 3, 0.612, scheduled_at=0.6)
    assert late.lateness == pytest.approx(0.012)
