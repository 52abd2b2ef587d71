"""The failover-test flow, once the command has resolved what to reach:
preflight -> announce -> confirm -> drill -> report -> gate.

The command gives what it resolved (`Where`, how to make each endpoint's
connection), how to talk to the user (`Screen`) and the options; it gets back a
`FailoverResult` to show. Errors are raised, never printed here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from proxyctl.app import Asker
from proxyctl.drill.finish import FailoverResult
from proxyctl.drill.options import FailoverOptions, Where
from proxyctl.drill.run import View
from proxyctl.drill.samples import DrillSettings, Endpoint
from proxyctl.errors import UsageError


@dataclass
class Reach:
    """How the drill reaches what it probes: `make_endpoint` gives the connection
    (a db.probe.Endpoint) for one probed endpoint; `environment` is the user's, for
    --trigger-command, taken before any secret was fetched."""

    where: Where
    make_endpoint: Callable[[Endpoint], Any]
    environment: dict[str, str]


@dataclass
class Screen:
    """How the drill talks to the user: `ask` is the App's asker (which fails naming
    --yes when prompts are off); `live`: a live view holds the terminal."""

    say: Callable[[str], None]
    ask: Asker
    make_view: Callable[[list[str], float], View]
    live: bool = False


def run(o: FailoverOptions, reach: Reach, screen: Screen) -> FailoverResult:
    from proxyctl.drill.finish import finish
    from proxyctl.drill.preflight import preflight
    from proxyctl.drill.run import Drill, run_drill

    where = reach.where
    if not o.skip_preflight:
        preflight(where, o.probe_timeout, reach.make_endpoint)
    screen.say(announcement(o, where))
    confirm(o, where, screen.ask)
    settings = drill_settings(o, where)
    log = _command_log() if screen.live and o.trigger == "command" else None
    drill = Drill(
        settings,
        _probers(o, where, reach.make_endpoint),
        _trigger(o, where, reach.environment, log),
        writer=_writer(where),
        writer_before=_writer_before(where),
        stall=o.stall,
    )
    view = screen.make_view([e.label for e in where.endpoints], o.stall)
    return finish(o, settings, run_drill(drill, view))


def announcement(o: FailoverOptions, where: Where) -> str:
    """What will be triggered on what, and what is probed."""
    what = {
        "aws": f"FailoverDBCluster on {where.cluster_id}"
        + (f" to {o.target_instance}" if o.target_instance else ""),
        "none": "nothing (observing a failover started elsewhere)",
        "command": "--trigger-command, through the shell",
    }[o.trigger]
    probed = ", ".join(f"{e.label} {e.host}:{e.port}" for e in where.endpoints)
    return f"will trigger: {what}\nwill probe: {probed}\ntimeout: {o.timeout:g} s\n"


def confirm(o: FailoverOptions, where: Where, ask: Asker) -> None:
    """A failover is only triggered once the cluster id (or "failover") has been typed,
    or with --yes; observing one (--trigger none) needs no confirmation."""
    if o.yes or o.trigger == "none":
        return
    answer_needed = where.cluster_id or "failover"
    question = f"Type {answer_needed} to start the drill:"
    if not ask.typed("--yes", question, answer_needed, action="a failover drill"):
        raise UsageError("nothing was triggered: the confirmation did not match.", field="--yes")


def drill_settings(o: FailoverOptions, where: Where) -> DrillSettings:
    return DrillSettings(
        trigger=o.trigger,
        mode=o.mode,
        interval=o.interval,
        probe_timeout=o.probe_timeout,
        baseline=o.baseline,
        settle=o.settle,
        timeout=o.timeout,
        started=datetime.now(UTC),
        endpoints=where.endpoints,
        cluster=where.cluster_id,
        proxy=where.proxy_name,
        region=where.clients.region if where.clients is not None else None,
        target_instance=o.target_instance,
        write=o.write,
        heartbeat_table=o.heartbeat_table if o.write else None,
        stall=o.stall,
    )


def _probers(o: FailoverOptions, where: Where, make_endpoint: Callable[[Endpoint], Any]) -> Any:
    """The drill's `make_probers`: one prober per endpoint, in order."""
    from proxyctl.db.probe import Prober

    def probers(sink: Any, t0: float) -> list[Any]:
        return [
            Prober(
                make_endpoint(e),
                sink,
                interval=o.interval,
                probe_timeout=o.probe_timeout,
                mode="persistent" if o.mode == "persistent" else "reconnect",
                # a reader refuses writes from the start: only writer endpoints are written to
                write=o.write and e.expects_writer,
                heartbeat_table=o.heartbeat_table,
                origin=t0,
            )
            for e in where.endpoints
        ]

    return probers


def _command_log() -> Path:
    """Where the command's output goes while the live view holds the terminal."""
    import tempfile

    fd, path = tempfile.mkstemp(prefix="proxyctl-trigger-", suffix=".log")
    os.close(fd)
    return Path(path)


def _trigger(
    o: FailoverOptions, where: Where, environment: dict[str, str], log: Path | None
) -> Any:
    from proxyctl.drill import trigger as triggers

    if o.trigger == "none":
        return triggers.no_trigger()
    if o.trigger == "command":
        return triggers.command_trigger(str(o.trigger_command), environment, log)
    from proxyctl.aws import failover

    name = str(where.cluster_id)
    return triggers.aws_trigger(
        lambda: failover.fail_over(where.clients, name, o.target_instance), name, o.target_instance
    )


def _writer(where: Where) -> Callable[[], str | None] | None:
    if where.cluster is None or where.clients is None:
        return None
    from proxyctl.aws import failover

    name = str(where.cluster_id)
    return lambda: failover.current_writer(where.clients, name)


def _writer_before(where: Where) -> str | None:
    from proxyctl.aws import failover

    return failover.writer_of(where.cluster) if where.cluster is not None else None
