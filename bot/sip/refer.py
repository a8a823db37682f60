"""Blind transfer by REFER (RFC 3515) and the progress the transferee reports by NOTIFY.

We ask the caller's side to call the queue's URI (Refer-To) and say who asked (Referred-By,
RFC 3892). The peer accepts with 202 and then sends NOTIFYs of the `refer` event whose
`message/sipfrag` body is the status line of its call to the queue: 1xx is progress, 2xx means
the caller now talks to the queue (we hang up), 3xx-6xx means it failed.
"""

from __future__ import annotations

import re

from bot.sip.message import SipRequest

_STATUS_LINE = re.compile(rb"\s*SIP/2\.0\s+([1-6][0-9][0-9])\b")


def refer_headers(target: str, referred_by: str) -> list[tuple[str, str]]:
    return [
        ("Refer-To", f"<{target}>"),
        ("Referred-By", f"<{referred_by}>"),
        ("Event", "refer"),
    ]


def sipfrag_status(notify: SipRequest) -> int | None:
    """The status code in a NOTIFY's sipfrag body, or None when it holds none."""
    if notify.content_type != "message/sipfrag":
        return None
    match = _STATUS_LINE.match(notify.body)
    return int(match.group(1)) if match else None


def subscription_ended(notify: SipRequest) -> bool:
    """Whether the NOTIFY ends the implicit subscription (Subscription-State: terminated)."""
    state = notify.headers.get("Subscription-State") or ""
    return state.split(";", 1)[0].strip().lower() == "terminated"
