"""The lab daemon: the long-running part of a lab, started by `lab up` and stopped by
`lab down` (SIGTERM). Run as `python -m proxyctl.lab.daemon --dir DIR`.

Every second it
- starts a proxy front for each proxy in the AWS stand-in (proxyctl.lab.fronts) and
  stops the front of a proxy that is gone;
- follows the cluster's writer: when the stand-in names another writer
  (FailoverDBCluster), it promotes the standby (proxyctl.lab.promote), then moves the
  cluster's writer endpoint once the DNS delay has passed: until then it leads to the
  old writer's address (an emulation of the endpoint's DNS update, TTL and client
  caches; Aurora's own figure is some seconds, FACTS "Failover").
It logs to DIR/daemon.log and records what it did in DIR/lab.json.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

from proxyctl.lab import promote
from proxyctl.lab.fronts import Fronts
from proxyctl.lab.state import LabState, load

log = logging.getLogger("proxyctl.lab.daemon")
# Seconds between looks at the stand-in: a proxy that `init` made is served, and a
# failover followed, within about a second. Each look costs two AWS calls, whose
# parsing holds the interpreter from the fronts in this process: more often starved
# them on a loaded machine.
TICK = 1.0


class Daemon:
    def __init__(self, state: LabState) -> None:
        self.state = state
        self.stop = threading.Event()
        self.fronts = Fronts(state)
        self.move_writer_at: float | None = None

    def run(self) -> None:
        self.state.daemon_pid = os.getpid()
        self.fronts.serve_writer_endpoint(self.state.writer_target or self.state.primary.port)
        self.state.ready = True
        self.fronts.publish_names()
        self.state.save()
        log.info("ready: writer endpoint on port %s", self.state.writer_port)
        try:
            while not self.stop.wait(TICK):
                self.tick()
        finally:
            self.fronts.stop_all()
            log.info("stopped")

    def tick(self) -> None:
        for step in (self.follow_writer, self.move_writer_endpoint, self.fronts.follow_proxies):
            try:
                step()
            except Exception as exc:  # a lab keeps running; the problem is recorded
                log.exception("%s failed", step.__name__)
                self.state.problems = [*self.state.problems[-9:], f"{step.__name__}: {exc}"]
                self.state.save()

    def follow_writer(self) -> None:
        writer = self.fronts.cluster_writer()
        if writer is None or writer == self.state.primary.instance:
            return
        log.info("the stand-in names %s the writer: promoting it", writer)
        record = promote.promote(self.state, writer)
        self.state.failovers.append(record)
        self.move_writer_at = record.promoted + self.state.dns_delay
        self.state.save()
        promote.rebuild_standby(self.state)
        record.rebuilt = time.time()
        self.state.save()
        log.info("the old writer streams from %s again", writer)

    def move_writer_endpoint(self) -> None:
        if self.move_writer_at is None or time.time() < self.move_writer_at:
            return
        self.fronts.serve_writer_endpoint(self.state.primary.port)
        self.move_writer_at = None
        if self.state.failovers:
            self.state.failovers[-1].writer_endpoint_moved = time.time()
        self.state.save()
        log.info("the writer endpoint follows the new writer (port %s)", self.state.primary.port)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m proxyctl.lab.daemon")
    parser.add_argument("--dir", required=True, type=Path, help="the lab directory")
    args = parser.parse_args(argv)
    logging.basicConfig(
        filename=args.dir / "daemon.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    state = load(args.dir)
    if state is None:
        raise SystemExit(f"no lab in {args.dir}")
    daemon = Daemon(state)

    def on_signal(signum: int, frame: Any) -> None:
        daemon.stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    daemon.run()


if __name__ == "__main__":
    main()
