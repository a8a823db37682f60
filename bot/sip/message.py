"""SIP messages (RFC 3261 sections 7, 20): parse, inspect, build and serialize. The values of
the headers (URIs, name-addr, Via, CSeq) are parsed in `bot.sip.header_values`.

The parser is strict about what the rest of the gateway relies on and raises `SipParseError`
(and no other exception) for anything it cannot vouch for: a bad start line, a missing mandatory
header, a From/To/Via/CSeq that does not parse, a Content-Length that does not fit. It is
tolerant where real user agents differ: compact header names, any case in header names, folded
header lines, LF instead of CRLF, an empty header value (baresip sends `Supported:`), CRLFs
before the start line.

Error reasons are fixed texts that name at most a header: they never echo the input, because a
message body may carry the digits of a PIN (SIP INFO) and reasons end up in logs and in the
reason phrase of a 400.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.sip.header_values import (
    CONTROL,
    DIGITS,
    SIP_VERSION,
    TOKEN,
    CSeq,
    NameAddress,
    SipParseError,
    Uri,
    Via,
    parse_cseq,
    parse_name_addr,
    parse_uri,
    parse_via,
)

# RFC 3261 section 8.1.1.7: branches that start with this are globally unique.
BRANCH_MAGIC_COOKIE = "z9hG4bK"
MAX_HEADER_LINES = 256
# A datagram larger than this is refused with 513 before it is parsed: a real INVITE with SDP
# is 1-4 KB, and RFC 3261 section 18.1.1 sends anything above 1300 bytes over TCP anyway.
MAX_MESSAGE_BYTES = 16_384

REASON_PHRASES: dict[int, str] = {
    100: "Trying",
    180: "Ringing",
    181: "Call Is Being Forwarded",
    182: "Queued",
    183: "Session Progress",
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    415: "Unsupported Media Type",
    416: "Unsupported URI Scheme",
    420: "Bad Extension",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    482: "Loop Detected",
    483: "Too Many Hops",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    491: "Request Pending",
    500: "Server Internal Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    505: "Version Not Supported",
    513: "Message Too Large",
    603: "Decline",
}

# Compact forms (RFC 3261 section 7.3.3 and the RFCs that define the headers).
COMPACT_FORMS: dict[str, str] = {
    "i": "call-id",
    "m": "contact",
    "e": "content-encoding",
    "l": "content-length",
    "c": "content-type",
    "f": "from",
    "s": "subject",
    "k": "supported",
    "t": "to",
    "v": "via",
    "r": "refer-to",
    "b": "referred-by",
    "o": "event",
    "u": "allow-events",
    "x": "session-expires",
    "a": "accept-contact",
    "j": "reject-contact",
    "d": "request-disposition",
    "y": "identity",
}

_REQUEST_LINE = re.compile(rf"({TOKEN}) (\S+) ([Ss][Ii][Pp]/[0-9]+\.[0-9]+)")
_STATUS_LINE = re.compile(r"SIP/2\.0 ([1-6][0-9][0-9])(?: (.*))?")
_HEADER_LINE = re.compile(rf"({TOKEN})[ \t]*:[ \t]*(.*)")
_LINE_BREAK = re.compile(r"\r?\n")


def canonical_name(name: str) -> str:
    """The lower-case full name of a header, compact forms expanded (`i` -> `call-id`)."""
    lowered = name.lower()
    return COMPACT_FORMS.get(lowered, lowered)


def split_values(value: str) -> list[str]:
    """Split a comma-separated header value, leaving commas in quotes and `<...>` alone."""
    parts: list[str] = []
    current: list[str] = []
    in_quotes = in_angle = escaped = False
    for ch in value:
        if escaped:
            escaped = False
        elif in_quotes and ch == "\\":
            escaped = True
        elif ch == '"' and not in_angle:
            in_quotes = not in_quotes
        elif not in_quotes and ch == "<":
            in_angle = True
        elif not in_quotes and ch == ">":
            in_angle = False
        elif ch == "," and not in_quotes and not in_angle:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


class Headers:
    """Header lines in their order, looked up by name in any case or compact form."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = [(name, value) for name, value in items]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __repr__(self) -> str:
        return f"Headers({[name for name, _ in self._items]!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and self._items == other._items

    __hash__ = None  # type: ignore[assignment]  # mutable

    def get(self, name: str) -> str | None:
        """The value of the first line called `name`, or None."""
        key = canonical_name(name)
        for item_name, value in self._items:
            if canonical_name(item_name) == key:
                return value
        return None

    def get_all(self, name: str) -> list[str]:
        """The values of every line called `name`, in order."""
        key = canonical_name(name)
        return [value for item_name, value in self._items if canonical_name(item_name) == key]

    def values(self, name: str) -> list[str]:
        """Every value of a list header (Via, Contact, Allow...): all lines, comma-split."""
        return [part for value in self.get_all(name) for part in split_values(value)]

    def add(self, name: str, value: str) -> None:
        self._items.append((name, value))

    def set(self, name: str, value: str) -> None:
        """Replace every line called `name` by one line (kept at the first one's place)."""
        key = canonical_name(name)
        for index, (item_name, _) in enumerate(self._items):
            if canonical_name(item_name) == key:
                self._items[index] = (name, value)
                self._items = [
                    item
                    for position, item in enumerate(self._items)
                    if position <= index or canonical_name(item[0]) != key
                ]
                return
        self._items.append((name, value))

    def replace_first(self, name: str, value: str) -> None:
        """Replace the value of the first line called `name` (add one if there is none)."""
        key = canonical_name(name)
        for index, (item_name, _) in enumerate(self._items):
            if canonical_name(item_name) == key:
                self._items[index] = (item_name, value)
                return
        self._items.append((name, value))

    def remove(self, name: str) -> None:
        key = canonical_name(name)
        self._items = [item for item in self._items if canonical_name(item[0]) != key]

    def copy(self) -> Headers:
        return Headers(self._items)


# --- messages -------------------------------------------------------------------------------


@dataclass
class SipMessage:
    """What requests and responses share: headers, body, and typed views of common headers.

    The typed properties raise `SipParseError` for a malformed header; for a message that came
    from `parse_message` they cannot fail.
    """

    headers: Headers
    body: bytes

    def _required(self, name: str) -> str:
        value = self.headers.get(name)
        if value is None:
            raise SipParseError(f"missing {name}")
        return value

    @property
    def call_id(self) -> str:
        return self._required("Call-ID").strip()

    @property
    def cseq(self) -> CSeq:
        return parse_cseq(self._required("CSeq"))

    @property
    def from_address(self) -> NameAddress:
        return parse_name_addr(self._required("From"))

    @property
    def to_address(self) -> NameAddress:
        return parse_name_addr(self._required("To"))

    @property
    def vias(self) -> list[Via]:
        return [parse_via(value) for value in self.headers.values("Via")]

    @property
    def top_via(self) -> Via:
        values = self.headers.values("Via")
        if not values:
            raise SipParseError("missing Via")
        return parse_via(values[0])

    @property
    def content_type(self) -> str | None:
        """The media type in lower case without parameters (`application/sdp`), or None."""
        value = self.headers.get("Content-Type")
        if value is None:
            return None
        return value.split(";", 1)[0].strip().lower() or None

    def _start_line(self) -> str:
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        """The message as sent on the wire, with a Content-Length that matches the body."""
        lines = [self._start_line()]
        lines.extend(
            f"{name}: {value}"
            for name, value in self.headers
            if canonical_name(name) != "content-length"
        )
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


@dataclass
class SipRequest(SipMessage):
    method: str = ""
    uri: str = ""

    @property
    def request_uri(self) -> Uri:
        return parse_uri(self.uri)

    def _start_line(self) -> str:
        return f"{self.method} {self.uri} {SIP_VERSION}"


@dataclass
class SipResponse(SipMessage):
    status: int = 200
    reason: str = ""

    def _start_line(self) -> str:
        return f"{SIP_VERSION} {self.status} {self.reason}"


def _split_head(data: bytes) -> tuple[bytes, bytes, bool]:
    """Head, body and whether an empty line separated them (CRLF CRLF or, tolerated, LF LF)."""
    crlf = data.find(b"\r\n\r\n")
    lf = data.find(b"\n\n")
    candidates = [(crlf, 4), (lf, 2)]
    found = [(position, size) for position, size in candidates if position >= 0]
    if not found:
        return data, b"", False
    position, size = min(found)
    # "\r\n\n" ends the head too: the CR belongs to the last header line.
    return data[:position].rstrip(b"\r"), data[position + size :], True


def _read_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    """The start line and the unfolded header lines of a message head."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise SipParseError("not UTF-8") from None
    text = text.strip("\r\n")
    lines = _LINE_BREAK.split(text)
    if len(lines) > MAX_HEADER_LINES + 1:
        raise SipParseError("too many header lines")
    start_line, header_lines = lines[0], lines[1:]
    if CONTROL.search(start_line):
        raise SipParseError("bad start line")
    headers: list[tuple[str, str]] = []
    for line in header_lines:
        if CONTROL.search(line):
            raise SipParseError("control character in header")
        if line[:1] in (" ", "\t"):
            if not headers:
                raise SipParseError("continuation line before any header")
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}".strip())
            continue
        match = _HEADER_LINE.fullmatch(line)
        if not match:
            raise SipParseError("bad header line")
        headers.append((match.group(1), match.group(2).strip()))
    return start_line, headers


def _validate(message: SipMessage, is_request: bool) -> None:
    """Every header the gateway relies on parses; raise `SipParseError` otherwise."""
    names = ["Via", "From", "To", "Call-ID", "CSeq"] + (["Max-Forwards"] if is_request else [])
    for name in names:
        if message.headers.get(name) is None:
            raise SipParseError(f"missing {name}")
    if not message.vias:
        raise SipParseError("missing Via")
    # Parsing is the check: the typed views cannot fail later.
    _ = message.from_address, message.to_address
    call_id = message.call_id
    if not call_id or any(ch.isspace() for ch in call_id):
        raise SipParseError("bad Call-ID")
    cseq = message.cseq
    if isinstance(message, SipRequest):
        if cseq.method != message.method:
            raise SipParseError("CSeq method differs from request method")
        max_forwards = message.headers.get("Max-Forwards") or ""
        if not DIGITS.fullmatch(max_forwards.strip()) or int(max_forwards) > 255:
            raise SipParseError("bad Max-Forwards")
        try:
            _ = message.request_uri
        except SipParseError as error:
            # RFC 3261 section 8.2.2.1: a scheme we do not understand is answered with 416.
            status = 416 if error.reason == "unsupported URI scheme" else 400
            raise SipParseError(error.reason, status=status) from None


def _frame_body(headers: Headers, rest: bytes) -> bytes:
    """The body as framed by Content-Length (RFC 3261 section 18.3, for UDP).

    Without Content-Length the body runs to the end of the datagram. Bytes beyond the stated
    length are discarded; fewer bytes than stated make the message malformed.
    """
    lengths = {value.strip() for value in headers.get_all("Content-Length")}
    if not lengths:
        return rest
    if len(lengths) > 1:
        raise SipParseError("conflicting Content-Length")
    (length_text,) = lengths
    if not DIGITS.fullmatch(length_text):
        raise SipParseError("bad Content-Length")
    length = int(length_text)
    if length > len(rest):
        raise SipParseError("body shorter than Content-Length")
    return rest[:length]


def parse_message(data: bytes) -> SipRequest | SipResponse:
    """A request or a response from one UDP datagram; `SipParseError` if malformed."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise SipParseError("message too large", status=513)
    head, rest, separated = _split_head(data)
    start_line, header_items = _read_head(head)
    headers = Headers(header_items)
    if not separated and headers.get("Content-Length") not in (None, "0"):
        raise SipParseError("no empty line after headers")
    body = _frame_body(headers, rest)
    message: SipRequest | SipResponse
    if start_line.startswith("SIP/"):
        status_match = _STATUS_LINE.fullmatch(start_line)
        if not status_match:
            raise SipParseError("bad status line")
        message = SipResponse(
            headers, body, status=int(status_match.group(1)), reason=status_match.group(2) or ""
        )
    else:
        request_match = _REQUEST_LINE.fullmatch(start_line)
        if not request_match:
            raise SipParseError("bad request line")
        method, uri, version = request_match.groups()
        if version.upper() != SIP_VERSION:
            raise SipParseError("unsupported SIP version", status=505)
        message = SipRequest(headers, body, method=method, uri=uri)
    _validate(message, isinstance(message, SipRequest))
    return message


def salvage_request(data: bytes) -> SipRequest | None:
    """What can be read of a malformed request: enough to address a 400, or None.

    Returns a request built from the start line and the header lines that could be read
    (unvalidated) when the start line is a request line and the top Via parses; None otherwise
    (the datagram is then dropped).
    """
    head, _, _ = _split_head(data[:MAX_MESSAGE_BYTES])
    text = head.decode("utf-8", errors="replace").lstrip("\r\n")
    lines = _LINE_BREAK.split(text)[: MAX_HEADER_LINES + 1]
    match = _REQUEST_LINE.fullmatch(lines[0])
    if not match:
        return None
    headers = Headers()
    for line in lines[1:]:
        header_match = _HEADER_LINE.fullmatch(line)
        if header_match and not CONTROL.search(line):
            headers.add(header_match.group(1), header_match.group(2).strip())
    request = SipRequest(headers, b"", method=match.group(1), uri=match.group(2))
    try:
        _ = request.top_via
    except SipParseError:
        return None
    return request


# --- building -------------------------------------------------------------------------------


def new_tag() -> str:
    """A From/To tag (RFC 3261 section 19.3: at least 32 bits of randomness)."""
    return secrets.token_hex(8)


def new_branch() -> str:
    """A Via branch for a request we send (magic cookie + randomness)."""
    return BRANCH_MAGIC_COOKIE + secrets.token_hex(10)


def new_call_id(host: str) -> str:
    return f"{secrets.token_hex(12)}@{host}"


def _to_with_tag(to_value: str, tag: str) -> str:
    try:
        address = parse_name_addr(to_value)
    except SipParseError:
        return to_value
    if address.tag is not None:
        return to_value
    return f"{to_value};tag={tag}"


def build_response(
    request: SipRequest,
    status: int,
    reason: str | None = None,
    *,
    to_tag: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    content_type: str | None = None,
) -> SipResponse:
    """A response to `request` (RFC 3261 section 8.2.6).

    Via (every value, in order), From, To, Call-ID and CSeq are copied; a To without a tag gets
    `to_tag` (a fresh one when not given) except in a 100 Trying, which also copies Timestamp.
    Headers missing from the request (a salvaged malformed one) are left out. Content-Length is
    written by `to_bytes`.
    """
    copied = Headers()
    for name in ("Via", "From", "To", "Call-ID", "CSeq"):
        for value in request.headers.get_all(name):
            if name == "To" and status != 100:
                value = _to_with_tag(value, to_tag or new_tag())
            copied.add(name, value)
    if status == 100 and (timestamp := request.headers.get("Timestamp")) is not None:
        copied.add("Timestamp", timestamp)
    for name, value in headers:
        copied.add(name, value)
    if body and content_type is not None:
        copied.add("Content-Type", content_type)
    return SipResponse(
        copied, body, status=status, reason=reason or REASON_PHRASES.get(status, "Unknown")
    )
