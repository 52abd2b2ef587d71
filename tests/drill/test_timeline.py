"""The drill's analysis on synthetic timelines whose ground truth the test knows."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest

from proxyctl.drill.render.text import analysis_text, summarize
from proxyctl.drill.samples import EndpointKind, EventKind
from proxyctl.drill.settle import settled
from proxyctl.drill.timeline import (
    Analysis,
    ServerSeen,
    analyze,
    percentile,
    resolution,
)
from proxyctl.model.probe import ErrorClass, ProbeSample
from tests.drill.timelines import (
    DIRECT,
    NEW,
    OLD,
    PROXY,
    READER,
    event,
    healthy,
    outage,
    probes,
    sample,
    uniform_jitter,
)


def test_a_clean_run_has_no_downtime() -> None:
    samples = [
        *probes(PROXY, healthy, interval=0.2, until=20),
        *probes(DIRECT, healthy, interval=0.2, until=20),
    ]
    events = [event(EventKind.TRIGGER, 5.0), event(EventKind.WRITER_CHANGED, 8.0)]
    analysis = analyze(samples, events, [PROXY, DIRECT], interval=0.2, ended_at=20.0)

    for found in analysis.endpoints:
        assert (found.probes, found.failed, found.failures_by_class) == (100, 0, {})
        assert (found.downtime, found.recovered, found.recovered_at) == (None, True, None)
        assert found.first_failure_at is None and found.trigger_to_recovery is None
        assert found.servers == [ServerSeen(OLD, False, 100, 0.0, 19.8)]
    assert analysis.writer_change_after_trigger == 3.0
    assert summarize(analysis) == (
        "proxy: no failed or stalled probe, direct: no failed or stalled probe:"
        " no downtime was measured"
    )


@pytest.mark.parametrize("seed", range(12))
def test_downtime_matches_the_outage_within_the_resolution(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 (a reproducible outage window)
    start = rng.uniform(5.0, 6.0)
    end = start + rng.uniform(0.5, 30.0)
    interval = 0.2
    samples = probes(
        DIRECT,
        outage(start, end, ErrorClass.TIMEOUT),
        interval=interval,
        until=end + 5,
        jitter=uniform_jitter(seed, 0.02),
    )
    events = [event(EventKind.TRIGGER, start - 0.5)]
    found = analyze(samples, events, [DIRECT], interval=interval, ended_at=end + 5).endpoint(
        "direct"
    )

    # Each end of the window is seen by the first probe to start after it: at most one
    # interval plus that probe's lateness later. So the error is below interval + max jitter.
    res = found.resolution
    tolerance = res.interval + res.jitter_max
    assert res.jitter_max <= 0.02 and res.seconds == pytest.approx(interval + res.jitter_p99)
    assert found.downtime is not None and found.recovered
    assert abs(found.downtime - (end - start)) < tolerance
    assert start <= (found.first_failure_at or -1) < start + tolerance
    assert found.recovered_at is not None and end <= found.recovered_at < end + tolerance
    assert found.trigger_to_recovery == pytest.approx(found.recovered_at - (start - 0.5))
    in_window = [s for s in samples if start <= s.started_at < end]
    assert found.failed == len(in_window) and found.failures_by_class == {
        ErrorClass.TIMEOUT: len(in_window)
    }


def _stale_dns(t: float) -> ErrorClass | tuple[str, bool]:
    """The writer restarts at 5 s (57P01, then refused), the old writer comes back as a
    replica at 7 s and stale DNS still leads there until 9 s, when it names the new one."""
    if t < 5.0:
        return (OLD, False)
    if t < 6.0:
        return ErrorClass.ADMIN_SHUTDOWN
    if t < 7.0:
        return ErrorClass.REFUSED
    return (OLD, True) if t < 9.0 else (NEW, False)


def test_stale_dns_after_promotion_counts_as_read_only_downtime() -> None:
    samples = [
        *probes(PROXY, outage(5.0, 5.6, ErrorClass.TIMEOUT), interval=0.2, until=15),
        *probes(DIRECT, _stale_dns, interval=0.2, until=15),
        *probes(READER, lambda t: (OLD, t >= 7.0), interval=0.2, until=15),
    ]
    events = [event(EventKind.TRIGGER, 4.9), event(EventKind.WRITER_CHANGED, 6.5)]
    analysis = analyze(samples, events, [PROXY, DIRECT, READER], interval=0.2, ended_at=15.0)

    direct = analysis.endpoint("direct")
    assert direct.downtime == pytest.approx(4.004)  # 5.0 to 9.0 (+ its answer), not to 7.0
    assert direct.failures_by_class == {
        ErrorClass.REFUSED: 5,
        ErrorClass.ADMIN_SHUTDOWN: 5,
        ErrorClass.READ_ONLY: 10,
    }
    assert direct.read_only_probes == 10
    assert [(s.address, s.in_recovery, s.probes) for s in direct.servers] == [
        (OLD, False, 25),
        (OLD, True, 10),
        (NEW, False, 30),
    ]
    read_only = [s for s in samples if s.error_class is ErrorClass.READ_ONLY]
    assert {(s.endpoint, s.server_addr, s.in_recovery) for s in read_only} == {
        ("direct", OLD, True)
    }
    # A reader endpoint is supposed to reach replicas: counted, never a failure.
    reader = analysis.endpoint("reader")
    assert (reader.failed, reader.downtime, reader.read_only_probes) == (0, None, 40)
    assert analysis.endpoint("proxy").downtime == pytest.approx(0.604)
    assert summarize(analysis) == (
        "proxy: 0.60 s unavailable, direct: 4.0 s, reader: no failed or stalled probe:"
        " the proxy cut downtime by 85%"
    )


def test_an_endpoint_that_never_recovers_is_down_until_the_end_and_flagged() -> None:
    samples = [
        *probes(PROXY, outage(5.0, 6.0), interval=0.2, until=20),
        *probes(DIRECT, outage(5.0, math.inf), interval=0.2, until=20),
    ]
    events = [event(EventKind.TRIGGER, 4.8), event(EventKind.TIMEOUT, 20.0)]
    analysis = analyze(samples, events, [PROXY, DIRECT], interval=0.2, ended_at=20.0)

    direct = analysis.endpoint("direct")
    assert (direct.recovered, direct.recovered_at, direct.trigger_to_recovery) == (
        False,
        None,
        None,
    )
    assert direct.downtime == pytest.approx(15.0)
    assert direct.last_failure_at == pytest.approx(19.8)
    assert analysis.end_reason is EventKind.TIMEOUT
    assert analysis.endpoint("proxy").trigger_to_recovery == pytest.approx(1.204)
    assert summarize(analysis) == (
        "proxy: 1.0 s unavailable, direct: not recovered after 15.0 s:"
        " the proxy cut downtime by at least 93%; the drill timed out after 20.0 s"
    )


def _cold_start_then_outage(t: float) -> ErrorClass | tuple[str, bool]:
    """A DNS failure in the first 0.4 s (cold start), healthy, then down 7-9 s."""
    if t < 0.4:
        return ErrorClass.DNS
    return outage(7.0, 9.0)(t)


def test_failures_over_before_the_trigger_are_counted_apart_from_downtime() -> None:
    samples = probes(DIRECT, _cold_start_then_outage, interval=0.2, until=12)
    events = [event(EventKind.TRIGGER, 6.0)]
    found = analyze(samples, events, [DIRECT], interval=0.2, ended_at=12.0).endpoint("direct")
    assert (found.failed, found.failed_before_trigger) == (12, 2)
    assert found.failures_by_class == {ErrorClass.REFUSED: 10, ErrorClass.DNS: 2}
    assert (found.first_failure_at, found.downtime) == (7.0, 2.004)  # to the answer
    # Without a trigger (a failover observed, --trigger none) nothing is set apart.
    untriggered = analyze(samples, [], [DIRECT], interval=0.2, ended_at=12.0).endpoint("direct")
    assert (untriggered.failed_before_trigger, untriggered.downtime) == (0, 9.004)


def test_an_outage_under_way_at_the_trigger_is_kept_whole() -> None:
    samples = probes(DIRECT, outage(5.0, 8.0), interval=0.2, until=12)
    events = [event(EventKind.TRIGGER, 5.5)]
    found = analyze(samples, events, [DIRECT], interval=0.2, ended_at=12.0).endpoint("direct")
    assert (found.first_failure_at, found.downtime, found.failed_before_trigger) == (5.0, 3.004, 0)


def test_an_unfinished_probe_is_a_failure_without_latency() -> None:
    cut_off = dataclasses.replace(sample("proxy", 1, 0.2, error=ErrorClass.TIMEOUT), latency=None)
    samples = [sample("proxy", 0, 0.0), cut_off]
    found = analyze(samples, [], [PROXY], interval=0.2, ended_at=0.5).endpoint("proxy")
    assert (found.failed, found.recovered, found.slowest_ok) == (1, False, 0.004)
    assert found.downtime == pytest.approx(0.3)


def test_samples_of_an_endpoint_not_listed_are_analysed_not_dropped() -> None:
    samples = [sample("proxy", 0, 0.0), sample("mystery", 0, 0.0, error=ErrorClass.DNS)]
    analysis = analyze(samples, [], [PROXY], interval=0.2, ended_at=1.0)
    assert [(e.endpoint, e.kind, e.failed) for e in analysis.endpoints] == [
        ("proxy", EndpointKind.PROXY, 0),
        ("mystery", EndpointKind.EXTRA, 1),
    ]


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 0.5) == 50.0
    assert percentile([7.0], 0.99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 0.99)


@pytest.mark.parametrize(
    ("late", "p99", "worst"),
    [
        ([0.001] * 99 + [0.050], 0.001, 0.050),  # one outlier in 100 is the 1%
        ([0.001] * 98 + [0.050] * 2, 0.050, 0.050),
        ([-0.003] * 10, 0.0, 0.0),  # early starts are not negative jitter
    ],
)
def test_jitter_is_the_p99_of_start_lateness(late: list[float], p99: float, worst: float) -> None:
    samples = [
        sample("proxy", seq, seq * 0.2 + lateness, scheduled_at=seq * 0.2)
        for seq, lateness in enumerate(late)
    ]
    res = resolution(samples, 0.2)
    assert res.jitter_p99 == pytest.approx(p99)
    assert res.jitter_max == pytest.approx(worst)
    assert res.seconds == pytest.approx(0.2 + p99)


class TestSettled:
    """Interval 0.25 s keeps the times exact; proxy down 5-8 s, direct 5-12 s."""

    samples = [
        *probes(PROXY, outage(5.0, 8.0), interval=0.25, until=30),
        *probes(DIRECT, outage(5.0, 12.0), interval=0.25, until=30),
    ]
    trigger = event(EventKind.TRIGGER, 4.0)
    change = event(EventKind.WRITER_CHANGED, 7.0)

    def upto(self, now: float) -> list[ProbeSample]:
        return [s for s in self.samples if s.started_at <= now]

    def test_not_before_the_slowest_endpoint_has_been_healthy_for_settle(self) -> None:
        events = [self.trigger, self.change]
        # healthy since 12.004, when the first probe after the outage answered
        assert not settled(self.upto(22.0), events, 10.0, 22.0)
        assert settled(self.upto(22.004), events, 10.0, 22.004)

    def test_never_during_the_baseline(self) -> None:
        assert not settled(self.upto(3.9), [], 1.0, 3.9, require_writer_change=False)

    def test_waits_for_the_writer_change_when_the_control_plane_is_watched(self) -> None:
        assert not settled(self.upto(29.0), [self.trigger], 10.0, 29.0)
        assert settled(self.upto(29.0), [self.trigger], 10.0, 29.0, require_writer_change=False)

    def test_settle_counts_from_the_writer_change_when_it_comes_last(self) -> None:
        late_change = event(EventKind.WRITER_CHANGED, 15.0)
        assert not settled(self.upto(24.9), [self.trigger, late_change], 10.0, 24.9)
        assert settled(self.upto(25.0), [self.trigger, late_change], 10.0, 25.0)

    def test_not_while_a_named_endpoint_has_no_probe(self) -> None:
        events = [self.trigger, self.change]
        assert settled(self.upto(29.0), events, 10.0, 29.0, endpoints=["proxy", "direct"])
        assert not settled(self.upto(29.0), events, 10.0, 29.0, endpoints=["proxy", "reader"])

    def test_not_while_the_latest_probe_failed(self) -> None:
        failing = [*self.upto(29.0), sample("proxy", 999, 29.1, error=ErrorClass.REFUSED)]
        assert not settled(failing, [self.trigger, self.change], 1.0, 29.2)


def _analysis(
    proxy: tuple[float, float] | None, direct: tuple[float, float] | None, until: float = 60.0
) -> Analysis:
    samples = []
    for endpoint, window in ((PROXY, proxy), (DIRECT, direct)):
        backend = outage(*window) if window else healthy
        samples += probes(endpoint, backend, interval=0.1, until=until)
    events = [event(EventKind.TRIGGER, 9.0)]
    return analyze(samples, events, [PROXY, DIRECT], interval=0.1, ended_at=until)


@pytest.mark.parametrize(
    ("proxy", "direct", "sentence"),
    [
        (
            (10.0, 13.4),
            (10.0, 37.9),
            "proxy: 3.4 s unavailable, direct: 27.9 s: the proxy cut downtime by 88%",
        ),
        (
            None,
            (10.0, 37.9),
            "proxy: no failed or stalled probe, direct: 27.9 s unavailable:"
            " the proxy cut downtime by 100%",
        ),
        (
            (10.0, 10.1),
            (10.0, 37.9),
            "proxy: 0.10 s unavailable, direct: 27.9 s: the proxy cut downtime by 99%",
        ),
        (
            (10.0, 13.4),
            None,
            "proxy: 3.4 s unavailable, direct: no failed or stalled probe:"
            " the proxy did not cut downtime",
        ),
        (
            (10.0, 40.0),
            (10.0, 37.9),
            "proxy: 30.0 s unavailable, direct: 27.9 s: the proxy did not cut downtime",
        ),
        (
            (10.0, math.inf),
            (10.0, 37.9),
            "proxy: not recovered after 50.0 s, direct: 27.9 s unavailable:"
            " the proxy did not recover",
        ),
        (
            (10.0, math.inf),
            (10.0, math.inf),
            "proxy: not recovered after 50.0 s, direct: not recovered after 50.0 s:"
            " neither recovered",
        ),
    ],
)
def test_summary_sentence(
    proxy: tuple[float, float] | None, direct: tuple[float, float] | None, sentence: str
) -> None:
    assert summarize(_analysis(proxy, direct)) == sentence


def test_summary_without_a_direct_endpoint() -> None:
    samples = probes(PROXY, outage(10.0, 13.4), interval=0.1, until=60)
    analysis = analyze(samples, [], [PROXY], interval=0.1, ended_at=60.0)
    assert summarize(analysis) == "proxy: 3.4 s unavailable (no direct endpoint to compare)"


def test_summary_of_an_interrupted_drill_says_it_is_partial() -> None:
    samples = probes(PROXY, outage(1.0, 2.0), interval=0.2, until=4)
    events = [event(EventKind.INTERRUPTED, 4.0)]
    analysis = analyze(samples, events, [PROXY], interval=0.2, ended_at=4.0)
    assert summarize(analysis) == (
        "proxy: 1.0 s unavailable (no direct endpoint to compare);"
        " interrupted after 4.0 s, figures are partial"
    )


def test_text_shows_the_table_and_the_summary() -> None:
    text = analysis_text(_analysis((10.0, 13.4), (10.0, 37.9)))
    lines = text.splitlines()
    assert lines[0].split() == ["proxy", "direct"]
    assert lines[1].split() == ["Downtime", "3.4", "s", "27.9", "s"]
    assert lines[-1].endswith("the proxy cut downtime by 88%")


def _frozen(start: float, end: float, interval: float, until: float) -> list[ProbeSample]:
    """A server frozen from START to END that holds every client instead of refusing:
    each probe started meanwhile succeeds, at END (plus 4 ms)."""
    out = []
    for seq in range(round(until / interval)):
        at = round(seq * interval, 9)
        wait = (end - at if start <= at < end else 0.0) + 0.004
        out.append(sample("proxy", seq, at, latency=round(wait, 9)))
    return out


def test_late_answers_are_downtime_until_the_server_answered() -> None:
    samples = _frozen(5.0, 10.05, interval=0.2, until=20)
    found = analyze(samples, [event(EventKind.TRIGGER, 4.9)], [PROXY], interval=0.2, ended_at=20)
    found_proxy = found.endpoint("proxy")
    # Probes from 5.0 to 9.0 waited more than 1 s: stalls, not failures. The probe that
    # started at 9.2 waited 0.85 s (in time) and answered at 10.054: "up" from then on.
    assert (found_proxy.failed, found_proxy.stalled) == (0, 21)
    assert found_proxy.longest_stall == pytest.approx(5.054)
    assert found_proxy.first_failure_at == 5.0 and found_proxy.last_failure_at == 9.0
    assert found_proxy.recovered_at == pytest.approx(10.054)
    assert found_proxy.downtime == pytest.approx(5.054)
    assert found_proxy.resolution.stall_threshold == 1.0
    assert summarize(found) == "proxy: 5.1 s unavailable (no direct endpoint to compare)"


def test_the_stall_threshold_decides_what_counts() -> None:
    samples = _frozen(5.0, 5.8, interval=0.2, until=10)  # 0.8 s: under the default 1 s
    assert (
        analyze(samples, [], [PROXY], interval=0.2, ended_at=10).endpoint("proxy").downtime is None
    )
    strict = analyze(samples, [], [PROXY], interval=0.2, ended_at=10, stall=0.5).endpoint("proxy")
    assert strict.stalled == 2 and strict.downtime == pytest.approx(0.804)
    assert strict.resolution.stall_threshold == 0.5


def test_stalls_and_failures_are_counted_apart() -> None:
    samples = [
        sample("proxy", 0, 0.0),
        sample("proxy", 1, 0.2, error=ErrorClass.REFUSED),
        sample("proxy", 2, 0.4, latency=1.5),  # answered after 1.5 s: a stall
        sample("proxy", 3, 0.6, error=ErrorClass.TIMEOUT),  # latency 2.0: a failure
        sample("proxy", 4, 2.8),
    ]
    found = analyze(samples, [], [PROXY], interval=0.2, ended_at=4).endpoint("proxy")
    assert (found.failed, found.stalled, found.longest_stall) == (2, 1, 1.5)
    assert found.failures_by_class == {ErrorClass.REFUSED: 1, ErrorClass.TIMEOUT: 1}
    assert (found.first_failure_at, found.recovered_at) == (0.2, 2.804)


def test_no_settling_while_a_probe_waits_past_the_stall_threshold() -> None:
    samples = probes(PROXY, healthy, interval=0.2, until=10)
    events = [event(EventKind.TRIGGER, 1.0)]
    kw = {"require_writer_change": False}
    assert settled(samples, events, 2.0, 10.0, **kw)
    assert settled(samples, events, 2.0, 10.0, waiting={"proxy": 9.5}, **kw)  # 0.5 s: fine
    assert not settled(samples, events, 2.0, 10.0, waiting={"proxy": 8.9}, **kw)
    # nor while the latest probe answered late
    late = [*samples, sample("proxy", 99, 8.0, latency=1.2)]
    assert not settled(late, events, 2.0, 10.0, **kw)
