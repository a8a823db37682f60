"""Keys the caller presses: RFC 4733 telephone-events in RTP, and SIP INFO bodies.

A sender reports one key press as a run of RTP packets that share one timestamp (the start of
the event) with a growing duration, the last ones (usually three) with the end bit. The key is
therefore one per (SSRC, timestamp), taken from the first packet that arrives, whatever its
order or whether the start packets were lost.

Keys are the digits of PINs and card numbers: nothing here logs them.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from dataclasses import dataclass

from bot.sip.rtp import TIMESTAMP_MODULO, RtpPacket

# RFC 4733 section 3.2: events 0-9 are the digits, 10 is *, 11 is #, 12-15 are A-D.
EVENT_KEYS = "0123456789*#ABCD"
MAX_DURATION = 0xFFFF
INFO_CONTENT_TYPES = ("application/dtmf-relay", "application/dtmf")
_EVENT = struct.Struct("!BBH")


class DtmfError(ValueError):
    """A telephone-event payload or an INFO body that does not carry a key."""


@dataclass(frozen=True)
class TelephoneEvent:
    event: int
    end: bool
    volume: int  # 0 to 63, meaning 0 to -63 dBm0
    duration: int  # in timestamp units (1/8000 s at 8 kHz)

    @property
    def key(self) -> str | None:
        """The keypad key of this event, or None for other events (flash, tones)."""
        return EVENT_KEYS[self.event] if self.event < len(EVENT_KEYS) else None

    def to_bytes(self) -> bytes:
        if not (0 <= self.event <= 255 and 0 <= self.volume <= 63):
            raise DtmfError("event or volume out of range")
        if not 0 <= self.duration <= MAX_DURATION:
            raise DtmfError("duration out of range")
        return _EVENT.pack(self.event, (0x80 if self.end else 0) | self.volume, self.duration)

    @classmethod
    def parse(cls, payload: bytes) -> TelephoneEvent:
        """The first event of a payload (a payload may carry several: RFC 4733 section 2.5.1.5)."""
        if len(payload) < _EVENT.size:
            raise DtmfError("telephone-event payload shorter than 4 bytes")
        event, flags, duration = _EVENT.unpack_from(payload)
        return cls(event=event, end=bool(flags & 0x80), volume=flags & 0x3F, duration=duration)


def event_for_key(key: str) -> int:
    """The event code of a keypad key ("0"-"9", "*", "#", "A"-"D")."""
    index = EVENT_KEYS.find(key.upper()) if len(key) == 1 else -1
    if index < 0:
        raise DtmfError("not a keypad key")
    return index


@dataclass
class _Seen:
    event: int
    duration: int
    ended_at: float | None = None


class TelephoneEventReceiver:
    """Turns telephone-event packets of one call into keys, each press exactly once.

    Feed it only the packets with the negotiated telephone-event payload type. `feed` returns
    the key the first time a press is seen (whichever of its packets comes first) and None for
    every other packet: later packets of the same press, the end packet and its retransmissions,
    packets of a press that arrive after a newer press (reordering, or sipp replaying its DTMF
    pcaps, which come from one recording and reuse one SSRC, in any order).

    Identity is (SSRC, timestamp), which a sender never reuses. Replaying the same recording
    twice does reuse it; a press that ended at least `replay_after` seconds ago and starts again
    (a packet without the end bit) is taken as a new press: a network that delays a packet of
    a finished press by that long is not one a caller can key on anyway.

    A press longer than the duration field can hold (8 s at 8 kHz) continues in a new segment
    with a new timestamp (RFC 4733 section 2.5.2.3); that is not a new press.
    """

    def __init__(self, *, replay_after: float = 0.25, memory: int = 64) -> None:
        self.replay_after = replay_after
        self.memory = memory
        self.malformed = 0
        self._seen: OrderedDict[tuple[int, int], _Seen] = OrderedDict()

    def feed(self, packet: RtpPacket, now: float) -> str | None:
        """The key this packet starts, or None. `now` is the arrival time in seconds."""
        try:
            event = TelephoneEvent.parse(packet.payload)
        except DtmfError:
            self.malformed += 1
            return None
        identity = (packet.ssrc, packet.timestamp)
        seen = self._seen.get(identity)
        if seen is None:
            continued = self._continues_long_press(packet, event)
            self._remember(identity, _Seen(event.event, event.duration))
            if event.end:
                self._seen[identity].ended_at = now
            return None if continued else event.key
        if seen.ended_at is not None:
            replayed = (
                not event.end
                and now - seen.ended_at >= self.replay_after
                and event.duration < seen.duration
            )
            if not replayed:
                return None
            seen.event, seen.duration, seen.ended_at = event.event, event.duration, None
            return event.key
        seen.duration = max(seen.duration, event.duration)
        if event.end:
            seen.ended_at = now
        return None

    def _continues_long_press(self, packet: RtpPacket, event: TelephoneEvent) -> bool:
        for (ssrc, timestamp), seen in reversed(self._seen.items()):
            if ssrc != packet.ssrc:
                continue
            step = (packet.timestamp - timestamp) % TIMESTAMP_MODULO
            return (
                seen.ended_at is None
                and seen.event == event.event
                and seen.duration == MAX_DURATION
                and step == MAX_DURATION
            )
        return False

    def _remember(self, identity: tuple[int, int], seen: _Seen) -> None:
        self._seen[identity] = seen
        while len(self._seen) > self.memory:
            self._seen.popitem(last=False)


def _key_from_signal(text: str) -> str:
    text = text.strip()
    if text.isdigit() and len(text) <= 2:
        code = int(text)
        if code < len(EVENT_KEYS):
            return EVENT_KEYS[code]
        raise DtmfError("event is not a keypad key")
    return EVENT_KEYS[event_for_key(text)]


def key_from_info(content_type: str | None, body: bytes) -> str:
    """The key in a SIP INFO body.

    `application/dtmf-relay` (`Signal=5\\r\\nDuration=160`, names in any case) and
    `application/dtmf` (`5`). Signals may be the key itself or its event code (`10` for `*`,
    as some gateways send). Raises `DtmfError` for another content type or a body without a
    key.
    """
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        raise DtmfError("INFO body is not ASCII") from None
    if media_type == "application/dtmf":
        return _key_from_signal(text)
    if media_type == "application/dtmf-relay":
        for line in text.splitlines():
            name, equals, value = line.partition("=")
            if equals and name.strip().lower() == "signal":
                return _key_from_signal(value)
        raise DtmfError("dtmf-relay body without Signal")
    raise DtmfError("not a DTMF content type")
