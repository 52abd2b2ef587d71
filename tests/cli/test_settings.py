"""Precedence flag > environment > config file > default, option by option."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import pytest
import typer

from proxyctl.cli.renamed import renamed
from tests.conftest import Cli


def show(cli: Cli, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """The settings in force, as `config show --output json` reports them, by name."""
    run = cli(*args, "config", "show", env=env)
    assert run.exit_code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["kind"] == "config"
    return {s["name"]: (s["value"], s["source"]) for s in doc["settings"]}


# option, flag args, environment variable and value, config line, and the value
# expected from each layer: config, env, flag.
LAYERS = [
    (
        "region",
        ["--region", "eu-west-3"],
        ("AWS_REGION", "eu-west-2"),
        'region = "eu-west-1"',
        ("eu-west-1", "eu-west-2", "eu-west-3"),
    ),
    (
        "profile",
        ["--profile", "from-flag"],
        ("AWS_PROFILE", "from-env"),
        'profile = "from-config"',
        ("from-config", "from-env", "from-flag"),
    ),
    (
        "endpoint_url",
        ["--endpoint-url", "http://127.0.0.1:3"],
        ("PROXYCTL_ENDPOINT_URL", "http://127.0.0.1:2"),
        'endpoint-url = "http://127.0.0.1:1"',
        ("http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"),
    ),
    (
        "debug",
        ["--debug"],
        ("PROXYCTL_DEBUG", "1"),
        "debug = false",
        (False, True, True),
    ),
    (
        "no_input",
        ["--no-input"],
        ("PROXYCTL_NO_INPUT", "1"),
        "no_input = true",
        (True, True, True),
    ),
]


@pytest.mark.parametrize(("name", "flag", "envvar", "line", "expected"), LAYERS)
def test_each_layer_beats_the_one_below(
    cli: Cli,
    config_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    flag: list[str],
    envvar: tuple[str, str],
    line: str,
    expected: tuple[Any, Any, Any],
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    json_out = ["--output", "json"]
    _, source = show(cli, *json_out)[name]
    assert source == "default" or source.startswith("auto")

    config_file.write_text(f"[default]\n{line}\n")
    assert show(cli, *json_out)[name] == (expected[0], f"config {config_file} [default]")

    monkeypatch.setenv(*envvar)
    assert show(cli, *json_out)[name] == (expected[1], f"env {envvar[0]}")

    assert show(cli, *json_out, *flag)[name] == (expected[2], "flag")


def test_output_layers(cli: Cli, config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def is_json(*args: str) -> bool:
        out = cli(*args, "config", "show").stdout
        return out.lstrip().startswith("{")

    assert not is_json()
    config_file.write_text('[default]\noutput = "json"\n')
    assert is_json()
    monkeypatch.setenv("PROXYCTL_OUTPUT", "text")
    assert not is_json()
    assert is_json("--output", "json")


def test_region_env_prefers_aws_region(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "ca-central-1")
    assert show(cli, "--output", "json")["region"] == ("ca-central-1", "env AWS_REGION")
    monkeypatch.delenv("AWS_REGION")
    assert show(cli, "--output", "json")["region"] == ("us-east-1", "env AWS_DEFAULT_REGION")


def test_prompts_are_off_with_ci_set(cli: Cli) -> None:
    got = show(cli, "--output", "json", env={"CI": "true"})
    assert got["no_input"] == (True, "auto (CI is set)")


def test_context_sits_on_top_of_default(
    cli: Cli, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text(
        '[default]\nregion = "eu-west-1"\nuser = "app"\n\n'
        '[lab]\nregion = "us-west-2"\nendpoint-url = "http://127.0.0.1:5000"\n'
    )
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    got = show(cli, "--output", "json", "--context", "lab")
    assert got["region"] == ("us-west-2", f"config {config_file} [lab]")
    assert got["endpoint_url"][0] == "http://127.0.0.1:5000"
    assert got["user"] == ("app", f"config {config_file} [default]")
    monkeypatch.setenv("PROXYCTL_CONTEXT", "lab")
    assert show(cli, "--output", "json")["region"][0] == "us-west-2"
    monkeypatch.delenv("PROXYCTL_CONTEXT")
    assert show(cli, "--output", "json")["region"][0] == "eu-west-1"


def test_proxyctl_config_names_another_file(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text('[default]\nregion = "sa-east-1"\n')
    monkeypatch.setenv("PROXYCTL_CONFIG", str(other))
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    run = cli("--output", "json", "config", "show")
    assert run.json()["config_file"] == str(other)
    assert show(cli, "--output", "json")["region"][0] == "sa-east-1"


def test_command_options_take_config_defaults_and_flags_win(cli: Cli, config_file: Path) -> None:
    config_file.write_text('[default]\nuser = "reporting"\nport = 6432\ndatabase = "dw"\n')
    host = "db.proxy-x.us-east-1.rds.amazonaws.com"
    doc = cli("--output", "json", "token", "--host", host).json()
    assert (doc["user"], doc["port"], doc["database"]) == ("reporting", 6432, "dw")
    doc = cli("--output", "json", "token", "--host", host, "--user", "app", "--port", "5432").json()
    assert (doc["user"], doc["port"]) == ("app", 5432)


def test_config_show_text(cli: Cli, config_file: Path) -> None:
    config_file.write_text('[default]\nregion = "eu-west-1"\n')
    run = cli("--region", "eu-north-1", "config", "show")
    assert run.exit_code == 0
    assert f"config file: {config_file}\n" in run.stdout
    assert "region        eu-north-1  (flag)\n" in run.stdout


# --- Config keys are the flags' names -------------------------------------------------


def test_config_keys_are_flag_names(cli: Cli, config_file: Path) -> None:
    # `--format` is held in a parameter called fmt, `--print` in print_policy: the
    # file speaks of the flags.
    config_file.write_text('[default]\nformat = "uri"\nprint = true\n')
    run = cli("token", "--host", "db.proxy-x.us-east-1.rds.amazonaws.com", "--user", "app")
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith("postgresql://app:")
    arn = "arn:aws:rds:us-east-1:123456789012:db-proxy:prx-0a1b2c3d4e5f67890"
    run = cli("grant", arn, "--db-user", "app")  # --print from the file: no AWS call
    assert run.exit_code == 0, run.stderr
    assert '"rds-db:connect"' in run.stdout
    assert show(cli, "--output", "json")["format"] == ("uri", f"config {config_file} [default]")


@pytest.mark.parametrize(
    ("key", "value", "flag"), [("fmt", '"uri"', "format"), ("print_policy", "true", "print")]
)
def test_parameter_names_are_not_config_keys(
    cli: Cli, config_file: Path, key: str, value: str, flag: str
) -> None:
    config_file.write_text(f"[default]\n{key} = {value}\n")
    run = cli("config", "show")
    assert run.exit_code == 2
    assert run.stderr == (
        f"error: config file {config_file}: [default] has an unknown key {key!r}.\n"
        f"hint: Did you mean {flag!r} (the flag --{flag})? Keys are the flags' names.\n"
    )


def test_a_bad_value_names_the_key_the_file_uses(cli: Cli, config_file: Path) -> None:
    config_file.write_text('[default]\nformat = "yaml"\n')
    run = cli("token", "--host", "db.proxy-x.us-east-1.rds.amazonaws.com", "--user", "app")
    assert run.exit_code == 2
    assert run.stderr.startswith(f"error: config {config_file} [default]: format = 'yaml': ")


def test_a_typo_in_a_context_not_chosen_is_reported(cli: Cli, config_file: Path) -> None:
    config_file.write_text('[default]\nregion = "eu-west-1"\n\n[prod]\nregoin = "eu-west-2"\n')
    run = cli("--output", "json", "config", "show")
    assert run.exit_code == 2
    assert run.json()["error"]["field"] == "[prod].regoin"
    assert "[prod] has an unknown key 'regoin'." in run.stderr
    assert "hint: Did you mean 'region' (the flag --region)?" in run.stderr


# --- CI, and proxyctl alone -----------------------------------------------------------


@pytest.mark.parametrize("value", ["false", "False", "0", "no", "off", ""])
def test_ci_false_is_not_ci(cli: Cli, value: str) -> None:
    got = show(cli, "--output", "json", env={"CI": value})
    # CliRunner's stdin is not a terminal: that still turns prompts off, for its own reason.
    assert got["no_input"] == (True, "auto (stdin is not a terminal)")


@pytest.mark.parametrize("value", ["true", "1", "yes", "azure-pipelines"])
def test_ci_set_to_anything_else_is_ci(cli: Cli, value: str) -> None:
    assert show(cli, "--output", "json", env={"CI": value})["no_input"] == (
        True,
        "auto (CI is set)",
    )


def test_proxyctl_alone_prints_its_help(cli: Cli) -> None:
    run = cli()
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.stdout == cli("--help").stdout


# --- --output json: one document, whatever happens ------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["nosuch"], 2, "No such command 'nosuch'."),
        (["--debug"], 2, "Missing command."),
        (["token", "--nosuch"], 2, "No such option: --nosuch"),
    ],
)
def test_json_errors_before_the_settings_are_read(
    cli: Cli, args: list[str], code: int, message: str
) -> None:
    for before, env in ((["--output", "json"], None), ([], {"PROXYCTL_OUTPUT": "json"})):
        run = cli(*before, *args, env=env)
        assert run.exit_code == code
        doc = run.json()
        assert doc["kind"] == "error" and doc["schema_version"] == 1
        assert doc["error"]["message"] == message
        assert doc["error"]["exit_code"] == code


def test_json_from_the_config_file_covers_parse_errors(cli: Cli, config_file: Path) -> None:
    config_file.write_text('[default]\noutput = "json"\n[lab]\noutput = "text"\n')
    assert cli("nosuch").json()["error"]["message"] == "No such command 'nosuch'."
    assert cli("--context", "lab", "nosuch").stdout == ""


def test_json_version_and_bare_help(cli: Cli) -> None:
    from proxyctl import __version__

    doc = cli("--output", "json", "--version").json()
    assert doc == {"kind": "version", "schema_version": 1, "version": __version__}
    text = cli("--help").stdout
    run = cli(env={"PROXYCTL_OUTPUT": "json"})
    assert run.exit_code == 0
    assert run.json() == {
        "kind": "help",
        "schema_version": 1,
        "command": "proxyctl",
        "help": text.rstrip("\n"),
    }
    # --help too, before or after the command.
    for args in (["--output", "json", "token", "--help"], ["token", "--help", "--output=json"]):
        doc = cli(*args).json()
        assert (doc["kind"], doc["command"]) == ("help", "proxyctl token")
        assert doc["help"] == cli("token", "--help").stdout.rstrip("\n")


# --- One meaning per word: tables per command ------------------------------------------

HOST = "db.proxy-x.us-east-1.rds.amazonaws.com"


def test_inits_cluster_is_not_the_database_token_signs_for(cli: Cli, config_file: Path) -> None:
    # Once, `database = "orders-db"` meant init's cluster and token's database at once.
    config_file.write_text(
        '[default]\ndatabase = "appdb"\n\n[default.init]\ndb-cluster = "orders-db"\n'
    )
    run = cli("token", "--host", HOST, "--user", "app", "--format", "env")
    assert run.exit_code == 0, run.stderr
    assert "PGDATABASE=appdb\n" in run.stdout
    assert "orders-db" not in run.stdout


def test_a_commands_table_wins_over_the_shared_keys(cli: Cli, config_file: Path) -> None:
    config_file.write_text(
        '[default]\nuser = "shared"\nport = 6432\n\n[default.token]\nuser = "signer"\n\n'
        '[default.check]\nuser = "checker"\n\n[lab]\nport = 7000\n\n'
        '[lab.token]\nuser = "lab-signer"\n'
    )
    doc = cli("--output", "json", "token", "--host", HOST).json()
    assert (doc["user"], doc["port"]) == ("signer", 6432)
    doc = cli("--output", "json", "--context", "lab", "token", "--host", HOST).json()
    assert (doc["user"], doc["port"]) == ("lab-signer", 7000)


def test_a_commands_table_may_set_a_global_option(
    cli: Cli, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    config_file.write_text(
        '[default]\nregion = "eu-west-1"\n\n[default.token]\nregion = "ap-south-1"\n'
    )
    doc = cli("--output", "json", "token", "--host", HOST, "--user", "app").json()
    assert doc["region"] == "ap-south-1"
    assert show(cli, "--output", "json")["region"] == (
        "eu-west-1",
        f"config {config_file} [default]",
    )


def test_a_shared_key_of_another_command_is_left_to_it(cli: Cli, config_file: Path) -> None:
    config_file.write_text('[default]\ndry-run = true\nsamples = 3\nuser = "app"\n')
    run = cli("token", "--host", HOST)
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith(HOST)


def test_a_commands_table_holds_only_that_commands_keys(cli: Cli, config_file: Path) -> None:
    config_file.write_text("[default.token]\nsampels = 3\n")
    run = cli("token", "--host", HOST, "--user", "app")
    assert run.exit_code == 2
    assert run.stderr.startswith(
        f"error: config file {config_file}: [default.token] has an unknown key 'sampels'.\n"
        "hint: Keys are the flags' names: "
    )
    config_file.write_text("[default.token]\nsamples = 3\n")
    run = cli("token", "--host", HOST, "--user", "app")
    assert run.stderr == (
        f"error: config file {config_file}: [default.token] has an unknown key 'samples'.\n"
        "hint: samples is an option of check: put it in [default.check], or in [default] for "
        "every command that has it.\n"
    )


def test_a_table_for_no_command(cli: Cli, config_file: Path) -> None:
    config_file.write_text('[lab.tokne]\nuser = "app"\n')
    run = cli("--output", "json", "config", "show")
    assert run.exit_code == 2
    assert run.json()["error"]["field"] == "[lab.tokne]"
    assert run.stderr == (
        f"error: config file {config_file}: [lab.tokne] is a table for no command.\n"
        "hint: Did you mean [lab.token]? Commands: init, check, connect, failover-test, destroy, "
        "grant, status, token, pinning, load, advise, lab, config.\n"
    )


def test_a_table_inside_a_commands_table(cli: Cli, config_file: Path) -> None:
    config_file.write_text('[default.token.inspect]\nformat = "json"\n')
    run = cli("config", "show")
    assert run.exit_code == 2
    assert "[default.token.inspect] is a table inside a command's table." in run.stderr


@pytest.fixture
def renamed_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    """An old spelling in the table of renames: token's --hostname, now --host."""
    from proxyctl.cli import renamed

    monkeypatch.setitem(renamed.RENAMED, "token", {"--hostname": ("--host",)})


@pytest.mark.parametrize("table", ["default", "default.token"])
def test_an_old_spelling_in_the_file_names_the_new_one(
    cli: Cli, config_file: Path, renamed_flag: None, table: str
) -> None:
    config_file.write_text(f'[{table}]\nhostname = "{HOST}"\n')
    run = cli("token", "--user", "app")
    assert run.exit_code == 2
    assert run.stderr == (
        f"error: config file {config_file}: [{table}] has 'hostname', which is now 'host'.\n"
        "hint: Write 'host' instead (the flag's new name).\n"
    )


def test_the_old_spelling_of_a_flag_names_the_new_one(
    renamed_flag: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from proxyctl.cli.errors import run_guarded

    demo = typer.Typer()

    @demo.command()
    def sign(host: str = "h", _old: Annotated[str | None, renamed("--hostname")] = None) -> None:
        print(host)

    def run(*args: str) -> int:
        return run_guarded(lambda: demo(list(args), standalone_mode=False))

    assert run("--host", "x") == 0
    assert run("--hostname", "x") == 2
    assert (
        capsys.readouterr().err == "error: --hostname is now --host.\nhint: Use --host instead.\n"
    )


def test_config_show_lists_each_commands_table(cli: Cli, config_file: Path) -> None:
    config_file.write_text(
        '[default]\ndatabase = "appdb"\n\n[default.init]\ndb-cluster = "orders-db"\n\n'
        '[lab.init]\ndb-cluster = "lab-db"\n'
    )
    got = show(cli, "--output", "json", "--context", "lab")
    assert got["database"] == ("appdb", f"config {config_file} [default]")
    assert got["init.db_cluster"] == ("lab-db", f"config {config_file} [lab.init]")
    run = cli("--context", "lab", "config", "show")
    assert f"init.db_cluster  lab-db  (config {config_file} [lab.init])\n" in run.stdout
