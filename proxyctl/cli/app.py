"""The root command: global options, settings, and the top-level error handler."""

import os
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer._click.core import Context, ParameterSource
from typer._click.formatting import HelpFormatter
from typer._click.utils import make_default_short_help
from typer.core import TyperGroup

from proxyctl import __version__
from proxyctl.cli import argv, completion, registry
from proxyctl.cli.errors import run_guarded, state
from proxyctl.config_path import config_path

if TYPE_CHECKING:
    from proxyctl import config


class HelpContext(Context):
    """--help as a JSON document under --output json: stdout holds only JSON."""

    def get_help(self) -> str:
        text = super().get_help()
        if not state.json:
            return text
        from proxyctl.output import document

        return document("help", {"command": self.command_path, "help": text})


def use_help_context(command: Any) -> None:
    command.context_class = HelpContext
    for sub in getattr(command, "commands", {}).values():
        use_help_context(sub)


def prepare(command: Any) -> None:
    """What every command gets as it is loaded: JSON help, completion of fixed values."""
    use_help_context(command)
    completion.complete_fixed_values(command)


class RootGroup(TyperGroup):
    """Runs the app under the one error handler, in tests as on the command line.

    Its commands come from the registry, each imported when it runs or shows help.
    """

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = registry.LazyCommands(prepare)

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The list of commands, from the registry: no command is imported for it."""
        limit = formatter.width - 6 - max(len(name) for name in registry.COMMANDS)
        rows = [(n, make_default_short_help(e.help, limit)) for n, e in registry.COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        state.json, state.debug = False, False
        completion.use_zsh_script()
        self.context_class = HelpContext

        def call() -> Any:
            return super(RootGroup, self).main(
                args, prog_name or "proxyctl", complete_var, standalone_mode=False, **extra
            )

        code = run_guarded(call)
        if standalone_mode:
            sys.exit(code)
        return code

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        line = argv.split(self, args)
        # Known before parsing, so that an error click finds while parsing (an
        # unknown or missing command) is one JSON document too.
        output, context = argv.given_output(line, os.environ)
        if output is None and os.path.exists(config_path()):
            from proxyctl import config  # not for every --help: it costs --help a tenth

            output = config.output_in_file(context)
        state.json = (output or "").lower() == "json"
        if not args and not ctx.resilient_parsing:
            self.bare_help(ctx)
        return super().parse_args(ctx, line.args())

    def bare_help(self, ctx: Context) -> NoReturn:
        """`proxyctl` alone: the help, on stdout, as for --help."""
        sys.stdout.write(ctx.get_help() + "\n")
        ctx.exit(0)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


app = typer.Typer(
    cls=RootGroup,
    name="proxyctl",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def _version(value: bool) -> None:
    if value:
        if state.json:
            from proxyctl.output import document

            sys.stdout.write(document("version", {"version": __version__}) + "\n")
        else:
            sys.stdout.write(f"proxyctl {__version__}\n")
        raise typer.Exit()


def config_defaults(command: Any, table: dict[str, Any]) -> dict[str, Any]:
    """The config table as click's default_map for `command` and the commands below it.

    The file says `format`, the flag's name; the parameter behind it may be `fmt`.
    """
    found: dict[str, Any] = {}
    for key, name in registry.config_keys(command).items():
        if key in table:
            found[name] = table[key]
    for name, sub in getattr(command, "commands", {}).items():
        found[name] = config_defaults(sub, table)
    return found


def known_commands(running: str | None, command: Any) -> "config.Commands":
    """What the config check knows: the running command's own options, and the
    others' from the option index (their modules stay unimported)."""
    from proxyctl import config
    from proxyctl.cli.option_index import ALIASES, KEYS
    from proxyctl.cli.renamed import RENAMED

    own = registry.config_keys(command) if command is not None else {}
    renamed = {
        name: {old[2:].replace("-", "_"): tuple(n[2:] for n in new) for old, new in table.items()}
        for name, table in RENAMED.items()
    }
    return config.Commands(
        names=list(registry.COMMANDS),
        running=running,
        own=own,
        others={name: keys for name, keys in KEYS.items() if name != running},
        renamed=renamed,
        aliases={**ALIASES, **{p: k for k, p in own.items() if p != k}},
    )


def _origin(ctx: typer.Context, name: str) -> str | None:
    source = ctx.get_parameter_source(name)
    if source == ParameterSource.COMMANDLINE:
        return "flag"
    if source == ParameterSource.ENVIRONMENT:
        param = next(p for p in ctx.command.params if p.name == name)
        envvar = param.envvar
        names = [envvar] if isinstance(envvar, str) else list(envvar or [])
        return "env " + next((n for n in names if os.environ.get(n)), ", ".join(names))
    return None


@app.callback()
def root(
    ctx: typer.Context,
    profile: Annotated[
        str | None,
        typer.Option(
            envvar="AWS_PROFILE",
            metavar="NAME",
            help="AWS profile (any botocore credential source).",
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            envvar=["AWS_REGION", "AWS_DEFAULT_REGION"], metavar="NAME", help="AWS region."
        ),
    ] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            envvar="PROXYCTL_ENDPOINT_URL",
            metavar="URL",
            help="AWS API endpoint override, e.g. a local moto_server.",
        ),
    ] = None,
    output: Annotated[
        OutputFormat,
        typer.Option(
            envvar="PROXYCTL_OUTPUT",
            case_sensitive=False,
            help="text, or json: one JSON document on stdout and nothing else there.",
        ),
    ] = OutputFormat.text,
    no_input: Annotated[
        bool,
        typer.Option(
            "--no-input",
            envvar="PROXYCTL_NO_INPUT",
            help="Never prompt; a missing value is an error naming its flag. "
            "On by itself when stdin is not a terminal or CI is set (not to false or 0).",
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Answer yes to confirmations.")] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar="PROXYCTL_DEBUG",
            help="Tracebacks and AWS request logs, with secrets redacted.",
        ),
    ] = False,
    context: Annotated[
        str | None,
        typer.Option(
            envvar="PROXYCTL_CONTEXT",
            metavar="NAME",
            help="A named table of defaults in the config file.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Set up, check and drill AWS RDS Proxy in front of PostgreSQL.

    Settings come from flags, then environment variables, then the config file
    (config.toml in the user config dir, or PROXYCTL_CONFIG), then defaults.
    Global options may also follow the command, as in the AWS CLI.

    \b
    Examples:
      proxyctl token --host myproxy.proxy-abc123.us-east-1.rds.amazonaws.com --user app
      proxyctl --context lab config show
    """
    given = {
        "profile": profile,
        "region": region,
        "endpoint_url": endpoint_url,
        "output": output.value,
        "no_input": no_input,
        "debug": debug,
    }
    state.json = output is OutputFormat.json
    state.debug = debug
    from proxyctl import config

    given_from = {key: _origin(ctx, key) for key in config.GLOBAL_KEYS}
    running = ctx.invoked_subcommand
    command = ctx.command.commands.get(running) if running else None  # type: ignore[attr-defined]
    if running == "lab":  # the lab's own context (lab env) is gone after `lab down`
        context = None
    settings = load_settings(given, given_from, context, known_commands(running, command))
    settings.yes = yes
    from proxyctl.app import App
    from proxyctl.cli import prompts

    ctx.obj = App(settings, prompts.make_asker(settings))
    if running is not None and command is not None:
        ctx.default_map = {running: config_defaults(command, settings.table)}


def load_settings(
    given: dict[str, Any],
    given_from: dict[str, str | None],
    context: str | None,
    commands: "config.Commands",
) -> "config.Settings":
    from proxyctl import config

    path = config.default_config_path()
    found = config.read_config(path)
    table, origins = config.select_tables(found, context, commands)
    values, sources = config.resolve(given, given_from, table, origins, os.environ)
    state.json, state.debug = values["output"] == "json", values["debug"]
    if values["debug"]:
        from proxyctl.logs import enable_debug

        enable_debug()
    return config.Settings(
        **values,
        context=context,
        config_path=path,
        sources=sources,
        table=table,
        table_sources=origins,
        command_tables=config.command_tables(found, context),
    )


def main() -> None:
    app()
