"""How `check` shows its findings: in text, each phase as it ends; in JSON, one document.

Either way what ran is shown when the check is interrupted (Ctrl-C).
"""

from __future__ import annotations

import sys
from typing import TextIO

from proxyctl.check.findings import Finding, Report, checklist_lines, marks_for


class CheckView:
    def __init__(self, as_json: bool, stream: TextIO | None = None) -> None:
        self.as_json = as_json
        self.stream = stream or sys.stdout
        self.encoding = getattr(self.stream, "encoding", None) or "utf-8"
        self.marks = marks_for(self.encoding)

    def phase(self, found: list[Finding]) -> None:
        """A phase just ended: its lines now, so that a slow phase shows what came before."""
        if not self.as_json:
            self._write(
                "".join(f"{line}\n" for f in found for line in checklist_lines(f, self.marks))
            )

    def finish(self, report: Report) -> None:
        """The verdict (text) or the whole report (JSON), also after Ctrl-C."""
        if self.as_json:
            from proxyctl.output import emit

            emit(report, True)
        else:
            self._write(report.verdict + "\n")

    def _write(self, text: str) -> None:
        from proxyctl.output import clean

        # Server and certificate text is data: control characters shown as escapes, and
        # characters that this stream cannot encode as backslash escapes.
        safe = clean(text).encode(self.encoding, "backslashreplace").decode(self.encoding)
        self.stream.write(safe)
        self.stream.flush()
