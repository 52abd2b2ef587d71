"""failover-test's command surface: the renamed --db-cluster, and the typed
confirmation on a real terminal."""

from __future__ import annotations

from pathlib import Path

from tests import pg
from tests.cli.terminal import ENTER, Terminal
from tests.conftest import Cli
from tests.drill.test_run import drill_args

CONFIRM_Q = "Type failover to start the drill:"


def test_cluster_is_now_db_cluster(cli: Cli, tmp_path: Path) -> None:
    fired = tmp_path / "fired"
    run = cli(
        *("failover-test", "--host", "db.test", "--user", "app", "--cluster", "orders-db"),
        *("--trigger", "command", "--trigger-command", f"touch {fired}", "--yes"),
    )
    assert run.exit_code == 2, run.stderr
    assert run.stderr.startswith("error: --cluster is now --db-cluster.\n")
    assert not fired.exists()


def test_cluster_in_the_config_file_is_now_db_cluster(cli: Cli, config_file: Path) -> None:
    config_file.write_text('[default]\ncluster = "orders-db"\n')
    run = cli("failover-test", "--host", "db.test", "--user", "app", "--yes")
    assert run.exit_code == 2, run.stderr
    assert run.stderr == (
        f"error: config file {config_file}: [default] has 'cluster', which is now "
        "'db-cluster'.\nhint: Write 'db-cluster' instead (the flag's new name).\n"
    )


def test_help_names_db_cluster_and_hides_the_old_spelling(cli: Cli) -> None:
    run = cli("failover-test", "--help")
    assert "--db-cluster" in run.stdout and "--cluster " not in run.stdout


def test_trigger_aws_without_a_cluster_names_db_cluster(cli: Cli) -> None:
    run = cli(
        *("failover-test", "--host", "db.test", "--user", "app", "--auth", "password"),
        env={"PGPASSWORD": "app-password"},
    )
    assert run.exit_code == 2, run.stderr
    assert run.stderr.startswith(
        "error: --trigger aws needs the cluster: give --db-cluster ID or --proxy NAME.\n"
    )


def _drill_on_a_terminal(server: pg.PgServer, fired: Path, typed: str) -> tuple[int, str]:
    """A drill whose trigger touches FIRED, confirmed by typing TYPED; exit code, screen."""
    args = drill_args(server, "--trigger", "command", "--trigger-command", f"touch {fired}")
    args.remove("--yes")
    args[args.index("--timeout") + 1] = "20"
    # args[2:]: the text output, as a person at a terminal reads it
    with Terminal(args[2:], env={"PGPASSWORD": pg.APP_PASSWORD}) as term:
        term.answer(CONFIRM_Q, typed + ENTER)
        return term.finish(), term.screen


def test_a_wrong_confirmation_triggers_nothing(pg_tls: pg.PgServer, tmp_path: Path) -> None:
    fired = tmp_path / "fired"
    code, screen = _drill_on_a_terminal(pg_tls, fired, "orders-db")
    assert code == 2, screen
    assert "will trigger: --trigger-command, through the shell" in screen
    assert "error: nothing was triggered: the confirmation did not match." in screen
    assert not fired.exists()


def test_the_typed_confirmation_starts_the_drill(pg_tls: pg.PgServer, tmp_path: Path) -> None:
    fired = tmp_path / "fired"
    code, screen = _drill_on_a_terminal(pg_tls, fired, "failover")
    assert code == 0, screen
    assert fired.exists()
    assert "ended: settled" in screen and "trigger command: exited with status 0" in screen
