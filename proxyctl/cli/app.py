"""The root command: global options, settings, and the top-level error handler."""

import os
import sys
from collections.abc import Iterator, Sequence
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer
from typer._click.core import Context, ParameterSource
from typer.core import TyperGroup

from proxyctl import __version__, config
from proxyctl.cli import argv, completion
from proxyctl.cli.errors import run_guarded, state

# Option names that a config file may not set: they act once, on this run only.
NOT_CONFIGURABLE = {"help", "version", "context", "yes", "install_completion", "show_completion"}


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


class RootGroup(TyperGroup):
    """Runs the app under the one error handler, in tests as on the command line."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        state.json, state.debug = False, False
        completion.complete_fixed_values(self)
        completion.use_zsh_script()
        use_help_context(self)

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
        state.json = (output or config.output_in_file(context) or "").lower() == "json"
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


def walk_options(command: Any) -> Iterator[tuple[str, str]]:
    """The config key (long flag name) and the parameter name of every option below `command`."""
    for param in command.params:
        key = config.option_key(param.opts) if param.param_type_name == "option" else None
        if key:
            yield key, param.name
    for sub in getattr(command, "commands", {}).values():
        yield from walk_options(sub)


def config_defaults(command: Any, table: dict[str, Any]) -> dict[str, Any]:
    """The config table as click's default_map for `command` and the commands below it.

    The file says `format`, the flag's name; the parameter behind it may be `fmt`.
    """
    found: dict[str, Any] = {}
    for param in command.params:
        key = config.option_key(param.opts) if param.param_type_name == "option" else None
        if key in table and key not in NOT_CONFIGURABLE:
            found[param.name] = table[key]
    for name, sub in getattr(command, "commands", {}).items():
        found[name] = config_defaults(sub, table)
    return found


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
    given_from = {key: _origin(ctx, key) for key in config.GLOBAL_KEYS}
    options = list(walk_options(ctx.command))
    known = {key for key, _ in options} - NOT_CONFIGURABLE
    # fmt = ... in the file: say it is written format (the flag's name).
    aliases = {name: key for key, name in options if name != key and key in known}
    settings = load_settings(given, given_from, context, known, aliases)
    settings.yes = yes
    from proxyctl.app import App
    from proxyctl.cli.prompts import make_asker

    ctx.obj = App(settings, make_asker(settings))
    commands = getattr(ctx.command, "commands", {})
    ctx.default_map = {name: config_defaults(sub, settings.table) for name, sub in commands.items()}


def load_settings(
    given: dict[str, Any],
    given_from: dict[str, str | None],
    context: str | None,
    known: set[str],
    aliases: dict[str, str] | None = None,
) -> config.Settings:
    path = config.default_config_path()
    table, origins = config.select_tables(config.read_config(path), context, known, aliases)
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
    )


def _register() -> None:
    from proxyctl.cli import check, config_cmd, destroy, failover, grant, init, token

    app.command("init")(init.init)
    app.command("check")(check.check)
    app.command("failover-test")(failover.failover_test)
    app.command("destroy")(destroy.destroy)
    app.command("grant")(grant.grant)
    app.add_typer(token.app, name="token")
    app.add_typer(config_cmd.app, name="config")


_register()


def main() -> None:
    app()
