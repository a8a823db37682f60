"""SIP header field values (RFC 3261 sections 19 and 25): URIs, name-addr, Via, CSeq, and
the parameters they carry, parsed strictly and formatted back.

Every parser raises `SipParseError` (and no other exception) with a fixed reason that never
echoes the input; `bot.sip.message` builds whole messages from these values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SIP_VERSION = "SIP/2.0"
MAX_CSEQ = 2**31 - 1
TOKEN = r"[A-Za-z0-9.!%*_+`'~\-]+"  # noqa: S105 - RFC 3261 grammar "token", not a secret
TOKEN_RE = re.compile(TOKEN)
DIGITS = re.compile(r"[0-9]{1,10}")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_HOSTNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-.]*[A-Za-z0-9])?\.?")
_IPV6_REFERENCE = re.compile(r"\[[0-9A-Fa-f:.]+\]")
_PARAM_NAME = re.compile(r"[A-Za-z0-9.!%*_+`'~\-\[\]/:&$]+")
# Control characters other than HT have no place in a header (a bare CR would split a line).
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class SipParseError(ValueError):
    """The message is malformed. `status` is the response a request deserves (400, 416, 505)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _split_unquoted(text: str, separator: str) -> list[str]:
    """Split at `separator` outside double quotes (backslash escapes honoured inside quotes)."""
    parts: list[str] = []
    current: list[str] = []
    in_quotes = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif in_quotes and ch == "\\":
            escaped = True
        elif ch == '"':
            in_quotes = not in_quotes
        elif ch == separator and not in_quotes:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    if in_quotes:
        raise SipParseError("unterminated quoted string")
    parts.append("".join(current))
    return parts


def parse_params(text: str) -> dict[str, str | None]:
    """`;name=value;flag` (the leading `;` optional) as an ordered dict with lower-case names."""
    params: dict[str, str | None] = {}
    text = text.strip()
    if not text:
        return params
    if text.startswith(";"):
        text = text[1:]
    for part in _split_unquoted(text, ";"):
        name, has_value, value = part.partition("=")
        name = name.strip()
        if not _PARAM_NAME.fullmatch(name):
            raise SipParseError("bad parameter")
        value = value.strip()
        if has_value and not value:
            raise SipParseError("bad parameter")
        params[name.lower()] = value if has_value else None
    return params


def format_params(params: dict[str, str | None]) -> str:
    return "".join(
        f";{name}" if value is None else f";{name}={value}" for name, value in params.items()
    )


def _parse_host_port(text: str) -> tuple[str, int | None]:
    if text.startswith("["):
        end = text.find("]")
        host, rest = text[: end + 1], text[end + 1 :]
        if end < 0 or not _IPV6_REFERENCE.fullmatch(host):
            raise SipParseError("bad host")
    else:
        host, colon, port_text = text.partition(":")
        rest = colon + port_text
        if not _HOSTNAME.fullmatch(host):
            raise SipParseError("bad host")
    if not rest:
        return host, None
    port_text = rest[1:] if rest.startswith(":") else ""
    if not DIGITS.fullmatch(port_text) or not 0 < int(port_text) <= 65535:
        raise SipParseError("bad port")
    return host, int(port_text)


@dataclass(frozen=True)
class Uri:
    """A `sip:`, `sips:` or `tel:` URI. For tel URIs `user` is the number and `host` is empty.

    `user` is kept as received (percent-escapes and telephone-subscriber parameters such as
    `;phone-context=` included); `headers` is the raw text after `?`.
    """

    scheme: str
    user: str | None
    host: str
    port: int | None = None
    params: dict[str, str | None] = field(default_factory=dict)
    password: str | None = None
    headers: str = ""

    def __str__(self) -> str:
        if self.scheme == "tel":
            return f"tel:{self.user}{format_params(self.params)}"
        userinfo = ""
        if self.user is not None:
            userinfo = self.user if self.password is None else f"{self.user}:{self.password}"
            userinfo += "@"
        port = "" if self.port is None else f":{self.port}"
        headers = f"?{self.headers}" if self.headers else ""
        return f"{self.scheme}:{userinfo}{self.host}{port}{format_params(self.params)}{headers}"


def parse_uri(text: str) -> Uri:
    """A sip, sips or tel URI; anything else raises `SipParseError`."""
    text = text.strip()
    match = _SCHEME.match(text)
    if not match:
        raise SipParseError("bad URI")
    scheme = match.group(1).lower()
    rest = text[match.end() :]
    if scheme == "tel":
        number, _, params = rest.partition(";")
        if not number or any(ch in number for ch in ' <>@"') or CONTROL.search(number):
            raise SipParseError("bad tel URI")
        return Uri("tel", number, "", params=parse_params(params))
    if scheme not in ("sip", "sips"):
        raise SipParseError("unsupported URI scheme")
    rest, _, headers = rest.partition("?")
    user: str | None = None
    password: str | None = None
    if "@" in rest:
        userinfo, _, rest = rest.rpartition("@")
        user, colon, password_text = userinfo.partition(":")
        password = password_text if colon else None
        if not user or any(ch in userinfo for ch in ' <>"') or CONTROL.search(userinfo):
            raise SipParseError("bad URI user")
    hostport, _, params = rest.partition(";")
    host, port = _parse_host_port(hostport)
    return Uri(scheme, user, host, port, parse_params(params), password, headers)


def _unquote(text: str) -> str:
    """The content of a quoted string (with surrounding quotes) with escapes resolved."""
    inner = text[1:-1]
    result: list[str] = []
    escaped = False
    for ch in inner:
        if escaped:
            result.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        else:
            result.append(ch)
    return "".join(result)


@dataclass(frozen=True)
class NameAddress:
    """`"Display Name" <uri>;tag=...` as in From, To, Contact, P-Asserted-Identity, Refer-To."""

    uri: Uri
    display_name: str | None = None
    params: dict[str, str | None] = field(default_factory=dict)

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    def with_tag(self, tag: str) -> NameAddress:
        return NameAddress(self.uri, self.display_name, {**self.params, "tag": tag})

    def __str__(self) -> str:
        display = ""
        if self.display_name:
            escaped = self.display_name.replace("\\", "\\\\").replace('"', '\\"')
            display = f'"{escaped}" '
        return f"{display}<{self.uri}>{format_params(self.params)}"


def parse_name_addr(text: str) -> NameAddress:
    """A name-addr (`"Name" <sip:...>;tag=x`, `Name <sip:...>`) or an addr-spec (`sip:...;tag=x`).

    In the addr-spec form every `;` parameter belongs to the header, not to the URI
    (RFC 3261 section 20.10).
    """
    text = text.strip()
    display: str | None = None
    if text.startswith('"'):
        end = 1
        escaped = False
        while end < len(text):
            ch = text[end]
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                break
            end += 1
        if end >= len(text):
            raise SipParseError("unterminated display name")
        display = _unquote(text[: end + 1])
        text = text[end + 1 :].lstrip()
        if not text.startswith("<"):
            raise SipParseError("display name without <URI>")
    elif "<" in text:
        # Unquoted display names should be tokens; user agents send more (`John (Work)`), so
        # anything but quotes and angle brackets is accepted.
        before, _, _ = text.partition("<")
        display = " ".join(before.split()) or None
        if display is not None and any(ch in display for ch in '">'):
            raise SipParseError("bad display name")
        text = text[len(before) :]
    if text.startswith("<"):
        end = text.find(">")
        if end < 0:
            raise SipParseError("unterminated <URI>")
        uri = parse_uri(text[1:end])
        params_text = text[end + 1 :]
    else:
        uri_text, _, params_text = text.partition(";")
        if any(ch in uri_text for ch in ",?"):
            raise SipParseError("URI with , or ? outside <>")
        uri = parse_uri(uri_text)
        params_text = ";" + params_text if params_text else ""
    params_text = params_text.strip()
    if params_text and not params_text.startswith(";"):
        raise SipParseError("text after URI")
    return NameAddress(uri, display, parse_params(params_text))


@dataclass(frozen=True)
class Via:
    """One Via value: `SIP/2.0/UDP host:port;branch=z9hG4bK...;rport`."""

    transport: str
    host: str
    port: int | None = None
    params: dict[str, str | None] = field(default_factory=dict)

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")

    @property
    def sent_by(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    def __str__(self) -> str:
        return f"{SIP_VERSION}/{self.transport} {self.sent_by}{format_params(self.params)}"


def parse_via(text: str) -> Via:
    """One Via value (not a comma-separated list: use `Headers.values("Via")` first)."""
    protocol, _, rest = text.strip().partition(";")
    protocol = re.sub(r"\s*/\s*", "/", protocol.strip())
    sent_protocol, _, sent_by = protocol.partition(" ")
    fields = sent_protocol.split("/")
    if len(fields) != 3 or fields[0].upper() != "SIP" or fields[1] != "2.0":
        raise SipParseError("bad Via protocol")
    if not TOKEN_RE.fullmatch(fields[2]):
        raise SipParseError("bad Via transport")
    host, port = _parse_host_port(sent_by.strip())
    params = parse_params(rest)
    if "branch" in params and not params["branch"]:
        raise SipParseError("empty Via branch")
    return Via(fields[2].upper(), host, port, params)


@dataclass(frozen=True)
class CSeq:
    number: int
    method: str

    def __str__(self) -> str:
        return f"{self.number} {self.method}"


def parse_cseq(text: str) -> CSeq:
    parts = text.split()
    if len(parts) != 2 or not DIGITS.fullmatch(parts[0]) or not TOKEN_RE.fullmatch(parts[1]):
        raise SipParseError("bad CSeq")
    number = int(parts[0])
    if number > MAX_CSEQ:
        raise SipParseError("bad CSeq")
    return CSeq(number, parts[1])
