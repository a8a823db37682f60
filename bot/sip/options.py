"""What the gateway serves, as told in Allow/Accept headers, and the answer to OPTIONS."""

from __future__ import annotations

from bot.sip.message import SipRequest, SipResponse, build_response

ALLOWED_METHODS = ("INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO", "REFER", "NOTIFY")
ACCEPTED_TYPES = (
    "application/sdp",
    "application/dtmf-relay",
    "application/dtmf",
    "message/sipfrag",
)
ACCEPTED_LANGUAGES = ("sq", "en")


def capability_headers() -> list[tuple[str, str]]:
    return [
        ("Allow", ", ".join(ALLOWED_METHODS)),
        ("Accept", ", ".join(ACCEPTED_TYPES)),
        ("Accept-Encoding", "identity"),
        ("Accept-Language", ", ".join(ACCEPTED_LANGUAGES)),
    ]


def options_response(request: SipRequest, *, to_tag: str | None = None) -> SipResponse:
    """200 to an OPTIONS (RFC 3261 section 11.2), e.g. a carrier's keep-alive probe."""
    return build_response(request, 200, to_tag=to_tag, headers=capability_headers())
