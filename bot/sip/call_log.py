"""One line per call in the log: when, who, how it ended, where it was transferred.

The caller's number is logged as is (it is not a secret and operators need it to find a call);
keys, INFO bodies and what was said are never logged, since they carry PINs and card numbers.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

log = logging.getLogger("bot.sip.calls")


@dataclass
class CallRecord:
    call_id: str
    caller: str | None
    started: float = field(default_factory=time.time)
    ended: float | None = None
    outcome: str = ""  # caller_hangup, bot_hangup, transferred, cancelled, rtp_timeout, ...
    transfer_queue: str | None = None
    transfer_target: str | None = None
    turns: int | None = None
    claimed_caller: str | None = None  # the INVITE's caller ID when it was not believed
    caller_id_refusal: str | None = None  # why not (`peers.decide_caller_id`)

    @property
    def duration(self) -> float:
        return (self.ended or time.time()) - self.started

    def line(self) -> str:
        started = datetime.fromtimestamp(self.started, UTC).isoformat(timespec="seconds")
        parts = [
            f"call {self.call_id}",
            f"caller={self.caller or 'withheld'}",
            f"start={started}",
            f"duration={self.duration:.1f}s",
            f"outcome={self.outcome}",
        ]
        if self.caller_id_refusal:
            parts.append(f"caller_id_refused={self.caller_id_refusal}")
            parts.append(f"claimed={self.claimed_caller}")
        if self.transfer_queue:
            parts.append(f"transfer={self.transfer_queue}:{self.transfer_target}")
        if self.turns is not None:
            parts.append(f"turns={self.turns}")
        return " ".join(parts)


def write(record: CallRecord) -> None:
    log.info("%s", record.line())
