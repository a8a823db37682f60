"""Verification state in the conversation's slots, written and read only here.

The state lives in slots that only actions set (custom mappings), never in the form slots the
caller's words fill: `verification_outcome` ("verified", "failed", "refused:<reason>") and
`card_token` ("dg:<keyed digest>:<last four>"). A form slot that has been dealt with holds
`FORM_SLOT_DONE`, which means nothing to any reader: typed text is always checked as what it
claims to be (a card number, a PIN, a customer number), so a caller typing "verified" or
"dg:..." is answered as for any malformed input.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.bank.access import Refusal
from bot.bank.hashing import card_digest

OUTCOME_SLOT = "verification_outcome"
CARD_TOKEN_SLOT = "card_token"  # noqa: S105 (a slot name, not a secret)
FORM_SLOT_DONE = "done"  # fills a form slot so that the form moves on; never read back


class OutcomeKind(StrEnum):
    VERIFIED = "verified"
    FAILED = "failed"  # the last attempt failed: hand the caller to an agent
    REFUSED = "refused"  # the proof was right, but the rules give nothing


@dataclass(frozen=True)
class VerificationOutcome:
    """How a verification form ended."""

    kind: OutcomeKind
    refusal: Refusal | None = None

    def __post_init__(self) -> None:
        if (self.kind is OutcomeKind.REFUSED) != (self.refusal is not None):
            raise ValueError("a refusal reason goes with a refused outcome, and only with it")

    def to_slot(self) -> str:
        return f"{self.kind}:{self.refusal}" if self.refusal else str(self.kind)

    @classmethod
    def from_slot(cls, value: Any) -> VerificationOutcome | None:
        """The outcome a slot value stands for; None for no value or one we never write."""
        kind, _, reason = str(value or "").partition(":")
        try:
            if kind == OutcomeKind.REFUSED:
                return cls(OutcomeKind.REFUSED, Refusal(reason))
            return cls(OutcomeKind(kind)) if not reason else None
        except ValueError:
            return None


VERIFIED = VerificationOutcome(OutcomeKind.VERIFIED)
FAILED = VerificationOutcome(OutcomeKind.FAILED)


def refused(refusal: Refusal) -> VerificationOutcome:
    return VerificationOutcome(OutcomeKind.REFUSED, refusal)


@dataclass(frozen=True)
class CardToken:
    """A card number reduced to its keyed digest and last four digits, kept between turns."""

    digest: str
    last_four: str

    @classmethod
    def of(cls, card_number: str, key: bytes) -> CardToken:
        return cls(card_digest(card_number, key), card_number[-4:])

    def to_slot(self) -> str:
        return f"dg:{self.digest}:{self.last_four}"

    @classmethod
    def from_slot(cls, value: Any) -> CardToken | None:
        kind, _, rest = str(value or "").partition(":")
        digest, _, last_four = rest.partition(":")
        if kind != "dg" or not digest or not (len(last_four) == 4 and last_four.isdigit()):
            return None
        return cls(digest, last_four)
