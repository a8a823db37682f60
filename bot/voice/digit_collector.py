"""Keypad digit strings (card number, PIN, customer number): collected until `#`, the expected
length, a cancel (`*`) or a timeout.

Time is passed in (`now`, seconds from any monotonic clock), so the collector never sleeps or
reads a clock: the caller feeds keys as they arrive and calls `poll(now)` at `deadline`. The
digits may be a PIN or a card number, so nothing here logs them, and the repr of a result or a
collector shows how many digits there are, never which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DIGITS = frozenset("0123456789")
TERMINATOR = "#"
CANCEL = "*"
# the fourth keypad column (RFC 4733 events 12-15): no customer's phone has these keys
IGNORED = frozenset("ABCD")

Status = Literal["complete", "timeout", "cancelled"]
EndedBy = Literal["#", "length", "*", "first-digit timeout", "inter-digit timeout"]


@dataclass(frozen=True)
class DigitResult:
    """How collection ended and the digits collected (shown masked in its repr)."""

    status: Status
    ended_by: EndedBy
    digits: str = field(repr=False)

    def __repr__(self) -> str:
        masked = "•" * len(self.digits)
        return f"DigitResult(status={self.status!r}, ended_by={self.ended_by!r}, digits={masked!r})"

    @property
    def complete(self) -> bool:
        return self.status == "complete"


class DigitCollector:
    """Collects one digit string.

    `length`: the expected number of digits (e.g. 4 for a PIN), which ends collection when
    reached; None for a string of variable length ended by `#` (at most `max_length`).
    `first_digit_timeout`: seconds from `started_at` to the first key; `inter_digit_timeout`:
    seconds allowed between keys. A timeout ends collection with what was typed so far.
    """

    def __init__(
        self,
        *,
        started_at: float,
        length: int | None = None,
        max_length: int = 32,
        first_digit_timeout: float = 8.0,
        inter_digit_timeout: float = 4.0,
    ) -> None:
        if length is not None and length <= 0:
            raise ValueError("length must be positive")
        self.length = length
        self.max_length = length if length is not None else max_length
        self.first_digit_timeout = first_digit_timeout
        self.inter_digit_timeout = inter_digit_timeout
        self._digits: list[str] = []
        self._started_at = started_at
        self._last_key_at: float | None = None
        self._result: DigitResult | None = None

    def __repr__(self) -> str:
        state = self._result.status if self._result else "collecting"
        return f"DigitCollector({state}, {len(self._digits)} digits)"

    @property
    def result(self) -> DigitResult | None:
        """The outcome, once collection has ended."""
        return self._result

    @property
    def count(self) -> int:
        """How many digits have been typed (for prompts like "3 more digits")."""
        return len(self._digits)

    @property
    def deadline(self) -> float | None:
        """When the current timeout expires (call `poll` then); None once ended."""
        if self._result is not None:
            return None
        if self._last_key_at is None:
            return self._started_at + self.first_digit_timeout
        return self._last_key_at + self.inter_digit_timeout

    def feed(self, key: str, now: float) -> DigitResult | None:
        """Take one key pressed at `now`; the result if collection ends now, else None.

        A key arriving after the deadline does not count: the timeout result is returned. Keys
        after the end are ignored, returning None (the caller starts a new collector).
        """
        if len(key) != 1 or key not in DIGITS | IGNORED | {TERMINATOR, CANCEL}:
            raise ValueError("not a keypad key")
        if self._result is not None:
            return None
        if (timed_out := self.poll(now)) is not None:
            return timed_out
        if key in IGNORED:
            return None
        self._last_key_at = now
        if key == CANCEL:
            return self._end("cancelled", "*")
        if key == TERMINATOR:
            return self._end("complete", "#")
        self._digits.append(key)
        if len(self._digits) >= self.max_length:
            return self._end("complete", "length")
        return None

    def poll(self, now: float) -> DigitResult | None:
        """The result once collection has ended (a timeout if the deadline passed by `now`)."""
        if self._result is not None:
            return self._result
        deadline = self.deadline
        if deadline is not None and now >= deadline:
            which: EndedBy = "first-digit timeout" if not self._digits else "inter-digit timeout"
            return self._end("timeout", which)
        return None

    def _end(self, status: Status, ended_by: EndedBy) -> DigitResult:
        self._result = DigitResult(
            status, ended_by, "" if status == "cancelled" else "".join(self._digits)
        )
        return self._result
