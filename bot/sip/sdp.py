"""SDP (RFC 4566) parsing and the answer to an offer (RFC 3264).

The gateway speaks G.711 at 8 kHz: PCMU (payload type 0) or PCMA (8), and receives keys as
telephone-events (RFC 4733) at the same 8 kHz clock. The answer keeps the offer's payload type
numbers (RFC 3264 section 6.1), has as many m-lines as the offer, in the same order, and
rejects (port 0) every stream but the first usable audio stream.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

# Our default order: the Albanian network, like the rest of Europe, carries A-law, so PCMA
# reaches the trunk without transcoding.
DEFAULT_CODECS: tuple[str, ...] = ("PCMA", "PCMU")
SUPPORTED_CODECS = frozenset({"PCMU", "PCMA"})
CLOCK_RATE = 8000
PTIME_MS = 20
TELEPHONE_EVENT = "telephone-event"
# RFC 4733 events 0-15: the digits, *, # and A-D.
TELEPHONE_EVENT_RANGE = "0-15"
AUDIO_PROFILE = "RTP/AVP"
DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
_ANSWER_DIRECTION = {
    "sendrecv": "sendrecv",
    "sendonly": "recvonly",
    "recvonly": "sendonly",
    "inactive": "inactive",
}
# RFC 3551 static payload types we can name without an rtpmap line.
_STATIC_PAYLOAD_TYPES: dict[int, tuple[str, int]] = {0: ("PCMU", 8000), 8: ("PCMA", 8000)}
_LINE = re.compile(r"([a-z])=(.*)")
_MEDIA = re.compile(r"([A-Za-z0-9\-_.]+) ([0-9]{1,5})(?:/([0-9]{1,5}))? (\S+)((?: \S+)+)")
_RTPMAP = re.compile(r"([0-9]{1,3}) ([^/\s]+)/([0-9]{1,6})(?:/([0-9]{1,2}))?")


def _is_unspecified(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_unspecified
    except ValueError:
        return False


class SdpError(ValueError):
    """The session description is malformed."""


@dataclass(frozen=True)
class RtpMap:
    payload_type: int
    encoding: str
    clock_rate: int
    channels: int | None = None

    def __str__(self) -> str:
        channels = "" if self.channels is None else f"/{self.channels}"
        return f"{self.payload_type} {self.encoding}/{self.clock_rate}{channels}"


@dataclass(frozen=True)
class Connection:
    """`c=IN IP4 192.0.2.1` (a multicast TTL or address count is kept out)."""

    address: str
    address_type: str = "IP4"

    def __str__(self) -> str:
        return f"IN {self.address_type} {self.address}"

    @property
    def is_hold(self) -> bool:
        """The RFC 2543 hold form `c=IN IP4 0.0.0.0`."""
        return _is_unspecified(self.address)


@dataclass
class MediaDescription:
    media: str
    port: int
    proto: str
    formats: list[str]
    connection: Connection | None = None
    attributes: list[tuple[str, str | None]] = field(default_factory=list)
    port_count: int | None = None

    def attribute(self, name: str) -> str | None:
        for attr_name, value in self.attributes:
            if attr_name == name:
                return value
        return None

    def has_attribute(self, name: str) -> bool:
        return any(attr_name == name for attr_name, _ in self.attributes)

    def rtpmaps(self) -> dict[int, RtpMap]:
        """Payload type -> encoding, from a=rtpmap lines and the static table for 0 and 8."""
        maps: dict[int, RtpMap] = {}
        for fmt in self.formats:
            if fmt.isdigit() and int(fmt) in _STATIC_PAYLOAD_TYPES:
                name, rate = _STATIC_PAYLOAD_TYPES[int(fmt)]
                maps[int(fmt)] = RtpMap(int(fmt), name, rate)
        for attr_name, value in self.attributes:
            if attr_name != "rtpmap" or value is None:
                continue
            match = _RTPMAP.fullmatch(value.strip())
            if match:
                pt, encoding, rate, channels = match.groups()
                maps[int(pt)] = RtpMap(
                    int(pt), encoding, int(rate), int(channels) if channels else None
                )
        return maps

    def direction(self, session_default: str = "sendrecv") -> str:
        for name in DIRECTIONS:
            if self.has_attribute(name):
                return name
        return session_default

    def to_lines(self) -> list[str]:
        port = str(self.port) if self.port_count is None else f"{self.port}/{self.port_count}"
        lines = [f"m={self.media} {port} {self.proto} {' '.join(self.formats)}"]
        if self.connection is not None:
            lines.append(f"c={self.connection}")
        lines.extend(
            f"a={name}" if value is None else f"a={name}:{value}" for name, value in self.attributes
        )
        return lines


@dataclass
class SessionDescription:
    origin: str
    session_name: str = "-"
    connection: Connection | None = None
    timing: str = "0 0"
    attributes: list[tuple[str, str | None]] = field(default_factory=list)
    media: list[MediaDescription] = field(default_factory=list)

    def direction(self) -> str:
        for name in DIRECTIONS:
            if any(attr_name == name for attr_name, _ in self.attributes):
                return name
        return "sendrecv"

    def to_bytes(self) -> bytes:
        lines = ["v=0", f"o={self.origin}", f"s={self.session_name}"]
        if self.connection is not None:
            lines.append(f"c={self.connection}")
        lines.append(f"t={self.timing}")
        lines.extend(
            f"a={name}" if value is None else f"a={name}:{value}" for name, value in self.attributes
        )
        for media in self.media:
            lines.extend(media.to_lines())
        return ("\r\n".join(lines) + "\r\n").encode()


def _parse_connection(value: str) -> Connection:
    parts = value.split()
    if len(parts) != 3 or parts[0] != "IN" or parts[1] not in ("IP4", "IP6"):
        raise SdpError("bad c= line")
    address = parts[2].split("/", 1)[0]
    try:
        ipaddress.ip_address(address)
    except ValueError:
        # RFC 4566 allows a domain name here; an RTP peer needs an address.
        raise SdpError("c= address is not an IP address") from None
    return Connection(address, parts[1])


def _parse_attribute(value: str) -> tuple[str, str | None]:
    name, colon, attr_value = value.partition(":")
    if not name or " " in name:
        raise SdpError("bad a= line")
    return name, attr_value if colon else None


def parse_sdp(data: bytes | str) -> SessionDescription:
    """A session description; `SdpError` if it is malformed or not usable for RTP."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise SdpError("SDP is not UTF-8") from None
    lines = [line for line in re.split(r"\r?\n", data.strip()) if line.strip()]
    if not lines or lines[0].strip() != "v=0":
        raise SdpError("SDP does not start with v=0")
    origin = session_name = None
    session_connection: Connection | None = None
    timing = "0 0"
    session_attributes: list[tuple[str, str | None]] = []
    media: list[MediaDescription] = []
    for line in lines[1:]:
        match = _LINE.fullmatch(line.rstrip())
        if not match:
            raise SdpError("bad SDP line")
        kind, value = match.groups()
        current = media[-1] if media else None
        if kind == "m":
            media_match = _MEDIA.fullmatch(value.strip())
            if not media_match:
                raise SdpError("bad m= line")
            name, port, count, proto, formats = media_match.groups()
            if int(port) > 65535:
                raise SdpError("bad m= port")
            media.append(
                MediaDescription(
                    name,
                    int(port),
                    proto,
                    formats.split(),
                    port_count=int(count) if count else None,
                )
            )
        elif kind == "c":
            connection = _parse_connection(value)
            if current is None:
                session_connection = connection
            else:
                current.connection = connection
        elif kind == "a":
            attribute = _parse_attribute(value)
            (session_attributes if current is None else current.attributes).append(attribute)
        elif current is None and kind == "o":
            origin = value
        elif current is None and kind == "s":
            session_name = value
        elif current is None and kind == "t":
            timing = value
    if origin is None:
        raise SdpError("SDP without o= line")
    for description in media:
        if description.port != 0 and description.connection is None and session_connection is None:
            raise SdpError("media without connection address")
        if description.connection is None:
            description.connection = session_connection
    return SessionDescription(
        origin, session_name or "-", session_connection, timing, session_attributes, media
    )


@dataclass(frozen=True)
class NegotiatedAudio:
    """What the offer and our answer agreed for the one audio stream.

    `direction` is ours: "sendrecv", "sendonly" (the caller put us on hold: we may send, they
    do not), "recvonly" or "inactive". `may_send` says whether RTP should go out at all.
    """

    remote_address: str
    remote_port: int
    codec: str
    payload_type: int
    telephone_event_payload_type: int | None
    direction: str
    remote_ptime: int | None = None

    @property
    def may_send(self) -> bool:
        return self.direction in ("sendrecv", "sendonly") and not _is_unspecified(
            self.remote_address
        )


@dataclass(frozen=True)
class Answer:
    sdp: SessionDescription
    audio: NegotiatedAudio


def _choose(media: MediaDescription, codecs: tuple[str, ...]) -> tuple[int, str, int | None] | None:
    """The codec (payload type, name) by our preference, and the 8 kHz telephone-event PT."""
    maps = media.rtpmaps()
    offered: list[tuple[int, RtpMap]] = [
        (int(fmt), maps[int(fmt)]) for fmt in media.formats if fmt.isdigit() and int(fmt) in maps
    ]
    chosen: tuple[int, str] | None = None
    for wanted in codecs:
        for pt, rtpmap in offered:
            if rtpmap.encoding.upper() == wanted and rtpmap.clock_rate == CLOCK_RATE:
                chosen = (pt, wanted)
                break
        if chosen:
            break
    if chosen is None:
        return None
    events = next(
        (
            pt
            for pt, rtpmap in offered
            if rtpmap.encoding.lower() == TELEPHONE_EVENT and rtpmap.clock_rate == CLOCK_RATE
        ),
        None,
    )
    return chosen[0], chosen[1], events


def _ptime(media: MediaDescription) -> int | None:
    value = media.attribute("ptime")
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except ValueError:
        return None


def build_answer(
    offer: SessionDescription,
    *,
    address: str,
    port: int,
    session_id: int,
    session_version: int,
    codecs: tuple[str, ...] = DEFAULT_CODECS,
) -> Answer | None:
    """Our answer to `offer`, or None when no audio stream can be accepted (answer 488).

    `address` and `port` are where we receive RTP; `session_id` stays the same for the life of
    the call and `session_version` grows by one with each new answer (RFC 3264 section 8).
    `codecs` is our preference order, a subset of PCMU and PCMA.
    """
    unknown = set(codecs) - SUPPORTED_CODECS
    if unknown:
        raise ValueError(f"unsupported codecs: {sorted(unknown)}")
    address_type = "IP6" if ":" in address else "IP4"
    answer_media: list[MediaDescription] = []
    audio: NegotiatedAudio | None = None
    for media in offer.media:
        choice = None
        if (
            audio is None
            and media.media == "audio"
            and media.proto.upper() == AUDIO_PROFILE
            and media.port != 0
            and media.connection is not None
        ):
            choice = _choose(media, codecs)
        if choice is None:
            answer_media.append(MediaDescription(media.media, 0, media.proto, media.formats))
            continue
        payload_type, codec, events = choice
        formats = [str(payload_type)]
        attributes: list[tuple[str, str | None]] = [("rtpmap", f"{payload_type} {codec}/8000")]
        if events is not None:
            formats.append(str(events))
            attributes.append(("rtpmap", f"{events} {TELEPHONE_EVENT}/8000"))
            attributes.append(("fmtp", f"{events} {TELEPHONE_EVENT_RANGE}"))
        offered_direction = media.direction(offer.direction())
        direction = _ANSWER_DIRECTION[offered_direction]
        attributes.append(("ptime", str(PTIME_MS)))
        attributes.append((direction, None))
        answer_media.append(
            MediaDescription("audio", port, AUDIO_PROFILE, formats, attributes=attributes)
        )
        audio = NegotiatedAudio(
            media.connection.address,  # type: ignore[union-attr]  # checked above
            media.port,
            codec,
            payload_type,
            events,
            direction,
            _ptime(media),
        )
    if audio is None:
        return None
    sdp = SessionDescription(
        origin=f"- {session_id} {session_version} IN {address_type} {address}",
        session_name="-",
        connection=Connection(address, address_type),
        media=answer_media,
    )
    return Answer(sdp, audio)
