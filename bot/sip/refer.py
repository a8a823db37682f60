"""Blind transfer by REFER (RFC 3515) and the progress the transferee reports by NOTIFY.

We ask the caller's side to call the queue's URI (Refer-To) and say who asked (Referred-By,
RFC 3892). The Refer-To URI carries a User-to-User header (RFC 7433) that the caller's side
copies into its INVITE to the agent, so the agent desk can show whom the agent is speaking to:
a reference to the conversation, never the conversation id itself nor anything a caller keyed
(the caller's own phone sees it). `conversation_reference` derives it one way; the desk
matches it against its waiting hand-offs.

The peer accepts with 202 and then sends NOTIFYs of the `refer` event whose `message/sipfrag`
body is the status line of its call to the queue: 1xx is progress, 2xx means
the caller now talks to the queue (we hang up), 3xx-6xx means it failed.
"""

from __future__ import annotations

import re

from bot.payloads import conversation_reference
from bot.sip.message import SipRequest

__all__ = ["conversation_reference", "refer_headers", "refer_target", "sipfrag_status",
           "subscription_ended", "user_to_user"]

UUI_PURPOSE = "conversation-ref"  # ours, not registered: a UA that does not know it ignores it

_STATUS_LINE = re.compile(rb"\s*SIP/2\.0\s+([1-6][0-9][0-9])\b")


def user_to_user(reference: str) -> str:
    """The RFC 7433 header value carrying `reference` (hex digits) as UUI data."""
    return f"{reference};encoding=hex;purpose={UUI_PURPOSE}"


def refer_target(target: str, reference: str | None) -> str:
    """The Refer-To URI: the queue's, with the User-to-User header embedded (RFC 3261 19.1.1
    URI headers, `;` and `=` escaped) when there is a reference."""
    if reference is None:
        return target
    escaped = user_to_user(reference).replace(";", "%3B").replace("=", "%3D")
    separator = "&" if "?" in target else "?"
    return f"{target}{separator}User-to-User={escaped}"


def refer_headers(target: str, referred_by: str,
                  reference: str | None = None) -> list[tuple[str, str]]:
    return [
        ("Refer-To", f"<{refer_target(target, reference)}>"),
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
