"""The drill's probers against real PostgreSQL servers (tests/pg.py), and their pure parts.

Timing bounds here are generous correctness bounds, not speed claims (those are in
benchmarks/prober_cost.py): a drill's measured downtime must match the outage window that
the test itself recorded within the probe interval plus 100 ms.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import trustme

from proxyctl.db.probe import Endpoint, Mode, ProbeError, Prober, TokenCache, classify
from proxyctl.drill.run import START_LEAD
from proxyctl.model.probe import ErrorClass, Outcome, ProbeSample
from proxyctl.steady import steady_collector
from tests.pg import (
    APP_DATABASE,
    APP_PASSWORD,
    APP_USER,
    HOST,
    PgServer,
    StartServer,
    free_port,
    hanging_server,
)

E = ErrorClass
MARGIN = 0.1  # seconds: the tolerance these tests allow on top of the probe interval


def endpoint(server: PgServer, label: str = "db", **kw: object) -> Endpoint:
    """The server as a prober sees it: TLS name `localhost` (verify-full), address 127.0.0.1."""
    fields: dict[str, object] = {
        "label": label,
        "host": "localhost",
        "hostaddr": HOST,
        "port": server.port,
        "user": APP_USER,
        "database": APP_DATABASE,
        "password": lambda: APP_PASSWORD,
        "sslmode": "verify-full" if server.ca_file else "disable",
        "sslrootcert": str(server.ca_file) if server.ca_file else None,
    }
    fields.update(kw)
    return Endpoint(**fields)  # type: ignore[arg-type]


@contextmanager
def probing(*probers: Prober) -> Iterator[float]:
    """Start the probers on one schedule, as the drill does; yields its start (monotonic)
    and stops them all. The first probe is due a moment after the call, once every
    prober's threads are up; the garbage collector is held steady meanwhile."""
    with steady_collector():
        start = time.monotonic() + START_LEAD
        for prober in probers:
            prober.start(at=start)
        try:
            yield start
        finally:
            for prober in probers:
                prober.stop()


def by_seq(samples: list[ProbeSample], label: str | None = None) -> list[ProbeSample]:
    return sorted((s for s in samples if label in (None, s.endpoint)), key=lambda s: s.seq)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def assert_on_schedule(samples: list[ProbeSample], interval: float) -> None:
    """Probe k was due exactly k intervals after probe 0, none missing, and started on time."""
    assert [s.seq for s in samples] == list(range(len(samples)))
    for s in samples:
        assert s.scheduled_at == pytest.approx(s.seq * interval, abs=1e-9)
    assert p99([s.lateness for s in samples]) < MARGIN
    assert min(s.lateness for s in samples) >= 0


def downtime(samples: list[ProbeSample]) -> tuple[float, float]:
    """First failure's start and the first success's start after the last failure."""
    failed = [s for s in samples if not s.ok]
    assert failed, "no probe failed"
    last = failed[-1].seq
    recovered = next(s for s in samples if s.seq > last and s.ok)
    return failed[0].started_at, recovered.started_at


# Steady state --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["reconnect", "persistent"])
def test_steady_state_probes_are_all_ok_and_on_schedule(pg_tls: PgServer, mode: Mode) -> None:
    samples: list[ProbeSample] = []
    prober = Prober(endpoint(pg_tls), samples.append, interval=0.1, mode=mode)
    with probing(prober):
        time.sleep(1.5)

    samples = by_seq(samples)
    assert len(samples) >= 14
    assert_on_schedule(samples, 0.1)
    for s in samples:
        assert (s.outcome, s.server_addr, s.in_recovery) == (Outcome.OK, "127.0.0.1", False)
        assert s.error_class is None and s.latency is not None and s.latency < 2.0
        assert s.endpoint == "db" and s.wall_time.tzinfo is not None


def test_a_full_garbage_collection_while_probing_does_not_make_probes_late(
    pg_tls: PgServer,
) -> None:
    """A process with a large heap (a runbook's, or this suite's) stops every thread for a
    full collection, as the interpreter starts one on its own: here one is started at a
    known moment, with 2,000,000 objects alive (a pass over them takes 0.3 s here)."""
    ballast = [{"n": [i]} for i in range(1_000_000)]
    samples: list[ProbeSample] = []
    prober = Prober(endpoint(pg_tls), samples.append, interval=0.1)
    with probing(prober):
        time.sleep(0.5)
        gc.collect()
        time.sleep(0.5)
    assert len(ballast) == 1_000_000  # alive through the collection

    samples = by_seq(samples)
    assert len(samples) >= 9
    assert_on_schedule(samples, 0.1)


def test_the_drill_holds_the_collector_steady_while_its_probers_run() -> None:
    from proxyctl.drill.run import Drill, run_drill
    from proxyctl.drill.samples import DrillSettings, EndpointKind
    from proxyctl.drill.samples import Endpoint as Probed
    from proxyctl.drill.trigger import no_trigger
    from tests.drill.views import RecordingView

    frozen: list[int] = []

    class Counting:
        """A prober that only notes how many objects the collector leaves alone."""

        def start(self, at: float | None = None) -> None:
            frozen.append(gc.get_freeze_count())

        def stop(self) -> None:
            frozen.append(gc.get_freeze_count())

        def waiting_since(self) -> float | None:
            return None

    probed = Probed("proxy", EndpointKind.PROXY, "localhost", 5432)
    started = datetime.now(UTC)
    settings = DrillSettings(
        "none", "reconnect", 0.1, 0.5, 0.2, 0.2, 0.3, started=started, endpoints=[probed]
    )
    run_drill(Drill(settings, lambda sink, t0: [Counting()], no_trigger()), RecordingView())
    assert len(frozen) == 2 and min(frozen) > 0  # the heap as it was at the start
    assert gc.get_freeze_count() == 0  # handed back after


# A restart: the measured downtime against the test's own outage window -----------------


@pytest.mark.parametrize("mode", ["reconnect", "persistent"])
def test_restart_is_measured_as_the_outage_the_test_recorded(
    pg_server: StartServer, mode: Mode
) -> None:
    server = pg_server()
    interval = 0.05
    samples: list[ProbeSample] = []
    prober = Prober(endpoint(server), samples.append, interval=interval, mode=mode)
    with probing(prober) as start:
        time.sleep(0.6)
        outage_start = time.monotonic() - start
        server.restart()
        outage_end = time.monotonic() - start
        time.sleep(0.8)

    samples = by_seq(samples)
    assert_on_schedule(samples, interval)
    first_failure, recovered = downtime(samples)
    assert abs((recovered - first_failure) - (outage_end - outage_start)) <= interval + MARGIN
    failed = [s for s in samples if not s.ok]
    for s in failed:
        assert outage_start - interval <= s.started_at <= outage_end + interval
        assert s.error_class in (E.REFUSED, E.ADMIN_SHUTDOWN, E.OTHER), s
        assert s.message
    classes = {s.error_class for s in failed}
    assert E.REFUSED in classes  # nothing listens while the server restarts
    if mode == "persistent":  # the open connection is told why it is cut
        assert (failed[0].error_class, failed[0].sqlstate) == (E.ADMIN_SHUTDOWN, "57P01")
    assert all(s.ok for s in samples if s.seq > failed[-1].seq)


# A stuck endpoint: the deadline, and no delay to the others ------------------------------


def test_stuck_endpoint_times_out_at_probe_timeout_without_delaying_a_healthy_one(
    pg_tls: PgServer,
) -> None:
    interval, probe_timeout = 0.1, 0.5
    samples: list[ProbeSample] = []
    healthy = Prober(endpoint(pg_tls, "healthy"), samples.append, interval=interval)
    with hanging_server() as port:
        stuck_ep = endpoint(pg_tls, "stuck", port=port)
        stuck = Prober(stuck_ep, samples.append, interval=interval, probe_timeout=probe_timeout)
        with probing(healthy, stuck):
            time.sleep(1.5)
            stopping = time.monotonic()
        stop_took = time.monotonic() - stopping

    assert stop_took < probe_timeout + MARGIN
    ok = by_seq(samples, "healthy")
    assert_on_schedule(ok, interval)
    assert all(s.ok for s in ok)
    cut = by_seq(samples, "stuck")
    assert_on_schedule(cut, interval)
    assert len(cut) >= 14  # every probe started has its sample, none skipped
    for s in cut:
        assert (s.outcome, s.error_class, s.sqlstate) == (Outcome.ERROR, E.TIMEOUT, None)
        assert s.message == "no answer within 0.5 s"
        assert s.latency is not None
        assert probe_timeout <= s.latency < probe_timeout + MARGIN


def test_deadline_cuts_a_query_that_hangs_on_an_open_connection(pg_server: StartServer) -> None:
    """A heartbeat insert blocked by a lock: only the prober's own deadline can end it."""
    server = pg_server(tls=False)
    interval, probe_timeout = 0.1, 0.3
    samples: list[ProbeSample] = []
    prober = Prober(
        endpoint(server),
        samples.append,
        interval=interval,
        probe_timeout=probe_timeout,
        mode="persistent",
        write=True,
    )
    with probing(prober) as start, psycopg.connect(server.conninfo()) as locker:
        time.sleep(0.5)
        locker.execute("lock table proxyctl_heartbeat in access exclusive mode")
        locked = time.monotonic() - start
        time.sleep(1.0)
        locker.rollback()
        unlocked = time.monotonic() - start
        time.sleep(0.6)

    samples = by_seq(samples)
    assert_on_schedule(samples, interval)
    failed = [s for s in samples if not s.ok]
    assert failed
    for s in failed:
        assert (s.error_class, s.message) == (E.TIMEOUT, "no answer within 0.3 s"), s
        assert s.latency is not None and s.latency < probe_timeout + MARGIN, s
        assert locked - interval <= s.started_at <= unlocked, (s, locked, unlocked)
    # The reads went through, the writes did not (a probe that waited for the connection
    # behind a stuck one never read).
    assert any(s.server_addr == "127.0.0.1" for s in failed)
    assert samples[-1].ok and samples[-1].seq > failed[-1].seq


def test_probes_are_skipped_honestly_when_every_worker_is_held(pg_plain: PgServer) -> None:
    """A password provider that blocks holds every worker: further probes are recorded at
    once as timeouts that say they were skipped, and probing resumes when it returns."""
    release = threading.Event()

    def blocked_password() -> str:
        release.wait(10)
        return APP_PASSWORD

    samples: list[ProbeSample] = []
    ep = endpoint(pg_plain, password=blocked_password)
    prober = Prober(ep, samples.append, interval=0.05, probe_timeout=0.1)
    with probing(prober):
        time.sleep(prober.workers * 0.05 + 0.3)
        release.set()
        time.sleep(0.5)

    samples = by_seq(samples)
    assert_on_schedule(samples, 0.05)
    held = samples[: prober.workers]
    assert all(s.message == "no answer within 0.1 s" for s in held)
    skipped = [s for s in samples if s.message and s.message.startswith("skipped: ")]
    assert skipped and all(s.error_class is E.TIMEOUT and s.latency is None for s in skipped)
    assert skipped[0].seq == prober.workers
    assert samples[-1].ok


# Writes ---------------------------------------------------------------------------------


def test_write_mode_creates_the_heartbeat_table_then_meets_a_read_only_database(
    pg_server: StartServer,
) -> None:
    server = pg_server(tls=False)
    samples: list[ProbeSample] = []
    writer = Prober(endpoint(server), samples.append, interval=0.1, write=True)
    with probing(writer):
        time.sleep(0.5)
    assert samples and all(s.ok for s in samples)
    rows = server.psql("select endpoint, count(*) from proxyctl_heartbeat group by 1", "app")
    assert rows == f"db|{len(samples)}"

    server.psql(f"alter database {APP_DATABASE} set default_transaction_read_only = on")
    refused: list[ProbeSample] = []
    for mode in ("reconnect", "persistent"):
        prober = Prober(endpoint(server), refused.append, interval=0.1, mode=mode, write=True)
        with probing(prober):
            time.sleep(0.35)
    assert len(refused) >= 6
    for s in refused:
        assert (s.outcome, s.error_class, s.sqlstate) == (Outcome.ERROR, E.READ_ONLY, "25006")
        assert (s.server_addr, s.in_recovery) == ("127.0.0.1", False)  # it read, then refused
    assert server.psql("select count(*) from proxyctl_heartbeat", "app") == str(len(samples))


def test_write_mode_takes_a_schema_qualified_table(pg_server: StartServer) -> None:
    server = pg_server(tls=False)
    server.psql(f"create schema drills authorization {APP_USER}", APP_DATABASE)
    samples: list[ProbeSample] = []
    table = "drills.Beat"
    prober = Prober(
        endpoint(server), samples.append, interval=0.1, write=True, heartbeat_table=table
    )
    with probing(prober):
        time.sleep(0.25)
    assert samples and all(s.ok for s in samples)
    assert server.psql('select count(*) from drills."Beat"', "app") == str(len(samples))


@pytest.mark.parametrize("table", ["", "a.b.c", "a.", ".b"])
def test_bad_heartbeat_table_names_are_refused(pg_plain: PgServer, table: str) -> None:
    with pytest.raises(ValueError, match="heartbeat table"):
        Prober(endpoint(pg_plain), print, write=True, heartbeat_table=table)


def test_interval_and_timeout_must_be_positive(pg_plain: PgServer) -> None:
    for kw in ({"interval": 0.0}, {"probe_timeout": -1.0}):
        with pytest.raises(ValueError, match="positive"):
            Prober(endpoint(pg_plain), print, **kw)


def test_a_password_provider_that_fails_is_an_auth_failure(pg_plain: PgServer) -> None:
    def no_credentials() -> str:
        raise RuntimeError("Unable to locate credentials")

    samples: list[ProbeSample] = []
    with probing(Prober(endpoint(pg_plain, password=no_credentials), samples.append)):
        time.sleep(0.1)
    assert [(s.error_class, s.message) for s in samples] == [
        (E.AUTH, "no password or token for app: Unable to locate credentials")
    ]


# classify(): real exceptions from real servers where they can be made -------------------


def raised(action: Callable[[], object]) -> BaseException:
    with pytest.raises(Exception) as caught:
        action()
    return caught.value


def connecting(conninfo: str) -> Callable[[], object]:
    return lambda: psycopg.connect(conninfo).close()


def test_classify_connection_refused(pg_plain: PgServer) -> None:
    error_class, sqlstate, message = classify(
        raised(connecting(pg_plain.conninfo(port=free_port())))
    )
    assert (error_class, sqlstate) == (E.REFUSED, None)
    assert message.startswith('connection to server at "127.0.0.1", port ')
    assert message.endswith("failed: Connection refused")


def test_classify_name_resolution(pg_plain: PgServer) -> None:
    exc = raised(connecting(pg_plain.conninfo(host="no-such-host.invalid", hostaddr=None)))
    assert classify(exc)[0] is E.DNS


def test_classify_tls_failures(pg_tls: PgServer, pg_plain: PgServer, tmp_path: Path) -> None:
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    failures = {
        "wrong name": pg_tls.conninfo(host="other.test"),
        "unknown CA": pg_tls.conninfo(sslrootcert=str(other_ca)),
        "plaintext to a TLS-only server": pg_tls.conninfo(sslmode="disable", sslrootcert=None),
        "TLS to a plaintext server": pg_plain.conninfo(sslmode="require"),
    }
    for what, conninfo in failures.items():
        assert classify(raised(connecting(conninfo)))[0] is E.TLS, what


def test_classify_authentication(pg_tls: PgServer) -> None:
    exc = raised(connecting(pg_tls.conninfo(password="wrong")))
    error_class, _, message = classify(exc)
    assert error_class is E.AUTH
    assert message.endswith('FATAL: password authentication failed for user "app"')


def test_classify_read_only_statement_timeout_and_other(pg_plain: PgServer) -> None:
    with psycopg.connect(pg_plain.conninfo(), autocommit=True) as conn:
        conn.execute("begin read only")
        read_only = raised(lambda: conn.execute("create table never (x int)"))
        conn.execute("rollback")
        conn.execute("set statement_timeout = 10")
        timeout = raised(lambda: conn.execute("select pg_sleep(1)"))
        undefined = raised(lambda: conn.execute("select * from no_such_table"))
    assert classify(read_only)[:2] == (E.READ_ONLY, "25006")
    assert classify(timeout) == (E.TIMEOUT, "57014", "canceling statement due to statement timeout")
    assert classify(undefined)[:2] == (E.OTHER, "42P01")


def test_classify_a_server_going_down(pg_server: StartServer) -> None:
    server = pg_server(tls=False)
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        server.restart()
        cut = raised(lambda: conn.execute("select 1"))
    assert classify(cut) == (
        E.ADMIN_SHUTDOWN,
        "57P01",
        "terminating connection due to administrator command",
    )


def op(message: str) -> psycopg.OperationalError:
    """An error as psycopg raises it while connecting: a libpq message and no SQLSTATE."""
    return psycopg.OperationalError(message)


AT = 'connection failed: connection to server at "10.0.0.1", port 5432 failed: FATAL:  '
CASES: list[tuple[BaseException, tuple[ErrorClass, str | None]]] = [
    # What the drill decides itself, and psycopg's own connect timeout.
    (ProbeError(E.TIMEOUT, "no answer within 2 s"), (E.TIMEOUT, None)),
    (psycopg.errors.ConnectionTimeout("connection timeout expired"), (E.TIMEOUT, None)),
    (TimeoutError(), (E.TIMEOUT, None)),
    # Restarts: 57P02 and 57P03 count as admin_shutdown (see the module's docstring).
    (psycopg.errors.CrashShutdown("terminating connection: crash"), (E.ADMIN_SHUTDOWN, "57P02")),
    (
        psycopg.errors.CannotConnectNow("the database system is starting up"),
        (E.ADMIN_SHUTDOWN, "57P03"),
    ),
    (op(AT + "the database system is shutting down"), (E.ADMIN_SHUTDOWN, None)),
    (op(AT + "the database system is not yet accepting connections"), (E.ADMIN_SHUTDOWN, None)),
    (psycopg.errors.InvalidPassword("password authentication failed"), (E.AUTH, "28P01")),
    # RDS Proxy's own messages (FACTS.md), which arrive while connecting.
    (
        op(AT + "The IAM authentication failed for the role app. Check the IAM token"),
        (E.AUTH, None),
    ),
    (
        op(AT + "The IAM authentication failed because of too many competing requests."),
        (E.AUTH, None),
    ),
    (op(AT + "This RDS proxy has no credentials for the role app."), (E.AUTH, None)),
    (op(AT + "This RDS Proxy requires TLS connections."), (E.TLS, None)),
    (op(AT + "IAM authentication is allowed only with SSL connections."), (E.TLS, None)),
    (op(AT + "Timed-out waiting to acquire database connection."), (E.TIMEOUT, None)),
    # A connection cut mid-way is not a TLS problem, even under TLS.
    (op("SSL SYSCALL error: EOF detected"), (E.OTHER, None)),
    (op(AT.replace("FATAL:  ", "") + "SSL error: unexpected eof while reading"), (E.OTHER, None)),
    (
        op(AT.replace("FATAL:  ", "") + "SSL connection has been closed unexpectedly"),
        (E.OTHER, None),
    ),
    (op("server closed the connection unexpectedly\n\tThis probably means..."), (E.OTHER, None)),
    (psycopg.errors.TooManyConnections("sorry, too many clients already"), (E.OTHER, "53300")),
]


@pytest.mark.parametrize(("exc", "expected"), CASES, ids=lambda v: str(v)[-40:])
def test_classify_messages_and_sqlstates(
    exc: BaseException, expected: tuple[E, str | None]
) -> None:
    error_class, sqlstate, message = classify(exc)
    assert (error_class, sqlstate) == expected
    assert "\n" not in message and "connection failed:" not in message and message


def test_classify_keeps_one_short_line() -> None:
    error_class, _, message = classify(psycopg.OperationalError("x" * 500 + "\nsecond line"))
    assert error_class is E.OTHER
    assert len(message) <= 200 and "second" not in message


# TokenCache -----------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_cache_refreshes_after_the_given_fraction_of_its_lifetime() -> None:
    clock, made = FakeClock(), []

    def make() -> str:
        made.append(clock.now)
        return f"token-{len(made)}"

    cache = TokenCache(make, lifetime=900, refresh_after=0.8, clock=clock)
    assert cache() == "token-1"
    clock.now += 719.9
    assert cache() == "token-1"
    clock.now += 0.1  # 720 s = 80% of 900 s
    assert cache() == "token-2"
    clock.now += 719
    assert cache() == "token-2"
    assert made == [1000.0, 1720.0]


def test_token_cache_makes_one_token_for_many_threads_at_once() -> None:
    calls, gate = [], threading.Barrier(8)

    def slow_make() -> str:
        calls.append(1)
        time.sleep(0.05)
        return "token"

    cache = TokenCache(slow_make)
    tokens: list[str] = []

    def use() -> None:
        gate.wait()
        tokens.append(cache())

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tokens == ["token"] * 8 and len(calls) == 1


@pytest.mark.parametrize("fraction", [0.0, -0.5, 1.5])
def test_token_cache_refuses_a_fraction_outside_0_1(fraction: float) -> None:
    with pytest.raises(ValueError, match="fraction"):
        TokenCache(lambda: "t", refresh_after=fraction)
