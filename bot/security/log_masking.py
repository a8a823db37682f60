"""No PIN or card number in a log: every log record and every line written to stdout/stderr is
masked before it leaves the process.

Rasa logs what callers typed (at DEBUG: the message text, parse data, slot values, the rule
policy's states; in warnings and tracebacks at any level), and an operator can raise the level
(`LOG_LEVEL=DEBUG`). So the Rasa server and the action server launchers (`bot.ops.rasa_server`,
`bot.ops.action_server`) install both:

- a log record factory: each record's message (and traceback text) is formatted once and
  masked when it is made, whichever logger, level or handler (a log file included) it goes to;
- line-buffered stdout/stderr: what is printed outside logging (warnings, a traceback of a dying
  thread) is masked line by line.

The rule is the tracker store's (`bot.security.redaction.mask_digits`: every run of four or more
digits), except where an operator needs the digits and they are not the shape of a secret: a
log line's own date and time, an address with its port (`127.0.0.1:5005`), a conversation id or
digest (32 or 64 hex digits, a uuid) and a traceback's `line 1234`.
"""

from __future__ import annotations

import io
import logging
import re
import sys
from typing import Any, TextIO

from bot.security.redaction import mask_digits

KEPT = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?: ?[+-]\d{4})?"  # a line's time
    r"|(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?|localhost:\d{1,5}|\]:\d{1,5}"  # address:port
    r"|(?<![0-9A-Za-z])[0-9a-f]{32}(?:[0-9a-f]{32})?(?![0-9A-Za-z])"  # ids, digests
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # uuids
    r"|, line \d+")  # a traceback's line numbers
MAX_PENDING = 64 * 1024


def mask_log_text(text: str) -> str:
    """`text` with every run of four or more digits masked, addresses and line numbers kept."""
    kept = list(KEPT.finditer(text))
    if not kept:
        return mask_digits(text)
    parts, start = [], 0
    for match in kept:
        parts += [mask_digits(text[start:match.start()]), match.group()]
        start = match.end()
    parts.append(mask_digits(text[start:]))
    return "".join(parts)


def _masked(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a record whose arguments do not fit: keep its parts masked
        message = f"{record.msg} {record.args}"
    record.msg, record.args = mask_log_text(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_log_text(record.exc_text)
        record.exc_info = None  # formatted (and masked) already
    if record.stack_info:
        record.stack_info = mask_log_text(record.stack_info)
    return record


class MaskingStream(io.TextIOBase):
    """A text stream that writes whole lines, each masked; `flush` writes a partial line too."""

    def __init__(self, target: TextIO) -> None:
        self._target = target
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        if len(self._pending) > MAX_PENDING:  # a huge write without a line end: out in pieces
            self.flush()
        elif "\n" in self._pending:
            lines, _, self._pending = self._pending.rpartition("\n")
            self._target.write(mask_log_text(lines + "\n"))
            self._target.flush()
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._target.write(mask_log_text(self._pending))
            self._pending = ""
        self._target.flush()

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._target.fileno()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._target, "encoding", "utf-8")


_installed = False


def install() -> None:
    """Mask every log record and every line this process prints from now on (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _masked(make_record(*args, **kwargs))

    logging.setLogRecordFactory(masked_record)
    sys.stdout = MaskingStream(sys.stdout)  # type: ignore[assignment]
    sys.stderr = MaskingStream(sys.stderr)  # type: ignore[assignment]
