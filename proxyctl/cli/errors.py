"""The one top-level handler: every outcome becomes a message and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer
from typer._click import exceptions as click_exceptions
from typer._click.core import ParameterSource

from proxyctl import __version__
from proxyctl.errors import CheckFailed, ExitCode, ProxyctlError, UsageError

REPORT_HINT = (
    f"This is a bug in proxyctl {__version__}. Run the same command with --debug and "
    "report the output (secrets are redacted) to the proxyctl issue tracker."
)


class RunState:
    """What the handler needs to know about the run: set once options are parsed.

    (Not a dataclass: `proxyctl --help` would import dataclasses for it.)"""

    json: bool = False
    debug: bool = False


state = RunState()


def _from_config(exc: click_exceptions.BadParameter) -> tuple[str, str] | None:
    """The message and field for a bad value that came from the config file."""
    ctx, param = exc.ctx, exc.param
    if ctx is None or param is None or param.name is None:
        return None
    if ctx.get_parameter_source(param.name) != ParameterSource.DEFAULT_MAP:
        return None
    from proxyctl.config import option_key

    key = option_key(param.opts) or param.name  # the file's key is the flag's name
    app = ctx.find_root().obj  # the App, when the root command ran
    sources = app.settings.table_sources if app is not None else {}
    origin = sources.get(key, "config file")
    value = ctx.lookup_default(param.name)
    return f"{origin}: {key} = {value!r}: {exc.message}", key


def _from_click(exc: click_exceptions.UsageError) -> UsageError:
    message, field = exc.format_message(), None
    if isinstance(exc, click_exceptions.BadParameter) and exc.param is not None:
        field = exc.param.opts[0] if exc.param.opts else exc.param.human_readable_name
        message, field = _from_config(exc) or (message, field)
    command = exc.ctx.command_path if exc.ctx is not None else "proxyctl"
    return UsageError(message, hint=f"See '{command} --help'.", field=field)


def _redacted(error: ProxyctlError) -> ProxyctlError:
    """ERROR without a secret in its message or hint: they may echo what the user typed."""
    from proxyctl.logs import redact

    error.message = redact(error.message)
    error.hint = redact(error.hint) if error.hint else error.hint
    return error


def _traceback(exc: BaseException) -> str:
    import traceback

    from proxyctl.logs import redact

    return redact("".join(traceback.format_exception(exc)))


def _report_bug(exc: BaseException) -> int:
    from proxyctl.logs import redact
    from proxyctl.output import clean

    sys.stderr.write(f"error: unexpected {type(exc).__name__}: {clean(redact(str(exc)))}\n")
    sys.stderr.write(f"hint: {REPORT_HINT}\n")
    if state.debug:
        sys.stderr.write(clean(_traceback(exc)))
    return ExitCode.BUG


def run_guarded(call: Callable[[], Any]) -> int:
    """Run the app; print errors (tracebacks only with --debug); return the exit code."""
    raised: BaseException
    try:
        returned = call()
    except ProxyctlError as exc:
        error, raised = exc, exc
    except click_exceptions.UsageError as exc:
        error, raised = _from_click(exc), exc
    except click_exceptions.ClickException as exc:
        error, raised = UsageError(exc.format_message()), exc
    except (KeyboardInterrupt, typer.Abort):
        sys.stderr.write("interrupted\n")
        return ExitCode.INTERRUPTED
    except Exception as exc:  # the last resort: a bug
        return _report_bug(exc)
    else:
        code = returned if isinstance(returned, int) else ExitCode.OK
        if code == ExitCode.INTERRUPTED:
            sys.stderr.write("interrupted\n")
        return int(code)
    if isinstance(error, CheckFailed):  # its report, on stdout, already said it all
        return int(error.exit_code)
    from proxyctl.output import report_error

    report_error(_redacted(error), state.json and not error.result_written)
    if state.debug:
        from proxyctl.output import clean

        sys.stderr.write(clean(_traceback(raised)))
    return int(error.exit_code)
