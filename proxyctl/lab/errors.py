"""The lab's errors: a missing program or library (how to get it), a process that failed."""

from __future__ import annotations

from proxyctl.errors import ExitCode, ProxyctlError, UsageError

LAB_EXTRA = "pip install 'proxyctl[lab]'"


class LabToolMissing(UsageError):
    """A program or Python library that the lab needs is not installed; the hint says how
    to get it. Exit 2, as for any other set-up the user has to do first."""

    kind = "lab_tool_missing"


class LabFailed(ProxyctlError):
    """A lab process did not start, stop or answer as expected; the message quotes its log."""

    exit_code = ExitCode.CONNECTION
    kind = "lab_failed"


def missing_library(name: str) -> LabToolMissing:
    """The error for a Python library of the `lab` extra that cannot be imported."""
    return LabToolMissing(f"the lab needs the Python package {name}, which is missing", LAB_EXTRA)
