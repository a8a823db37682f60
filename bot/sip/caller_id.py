"""The caller's number from an incoming INVITE, in E.164 form, or None when withheld.

P-Asserted-Identity (RFC 3325) is what the carrier vouches for and comes first; From is what
the caller's phone says. Both are only as trustworthy as the network they came through: the
gateway believes them only from a trusted peer (`peers.decide_caller_id`).

A caller who asks for privacy (`Privacy: id`, `user` or `header`), or whose identity reads
"anonymous", is treated as withheld: the assistant then handles them as an unregistered line.
"""

from __future__ import annotations

from urllib.parse import unquote

from bot.phone_numbers import normalize_phone
from bot.sip.header_values import NameAddress, SipParseError, parse_name_addr
from bot.sip.message import SipRequest

PRIVACY_WITHHOLDING = frozenset({"id", "user", "header"})
_ANONYMOUS_HOSTS = ("anonymous.invalid",)


def _number(address: NameAddress, default_country_code: str) -> str | None:
    uri = address.uri
    if uri.user is None or uri.host.lower() in _ANONYMOUS_HOSTS:
        return None
    # The user part may carry telephone-subscriber parameters (`;phone-context=...`) and
    # percent-escapes (`%2B355...`).
    user = unquote(uri.user.split(";", 1)[0])
    return normalize_phone(f"{uri.scheme}:{user}", default_country_code)


def requests_privacy(request: SipRequest) -> bool:
    values = ";".join(request.headers.get_all("Privacy")).lower()
    return any(value.strip() in PRIVACY_WITHHOLDING for value in values.split(";"))


def caller_number(request: SipRequest, default_country_code: str = "355") -> str | None:
    """The caller's number in E.164 (`+355691234567`), or None for a withheld or odd caller ID.

    The first P-Asserted-Identity value that holds a number wins (a carrier may send a sip and
    a tel URI); without one, the From URI.
    """
    if requests_privacy(request):
        return None
    for value in request.headers.values("P-Asserted-Identity"):
        try:
            number = _number(parse_name_addr(value), default_country_code)
        except SipParseError:
            continue
        if number is not None:
            return number
    try:
        return _number(request.from_address, default_country_code)
    except SipParseError:
        return None
