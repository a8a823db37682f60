"""The gateway's settings, from BOT_SIP_* environment variables with loopback defaults.

| variable | default | what |
|---|---|---|
| BOT_SIP_HOST / BOT_SIP_PORT | 127.0.0.1 / 5060 | where SIP is received (UDP) |
| BOT_SIP_RTP_PORTS | 20000-20999 | RTP port range; one even port per call |
| BOT_SIP_CODECS | PCMA,PCMU | codec preference for the SDP answer |
| BOT_SIP_AGENT_URI | sip:agent@127.0.0.1:5070 | where REFER sends "agent" hand-offs |
| BOT_SIP_POS_URI | sip:pos@127.0.0.1:5070 | where REFER sends "pos_support" hand-offs |
| BOT_SIP_RTP_TIMEOUT | 30 | seconds without RTP from the caller before we hang up |
| BOT_SIP_TRANSFER_TIMEOUT | 20 | seconds to wait for the transfer's final NOTIFY |
| BOT_SIP_MAX_CALLS | 50 | calls above this are refused with 486 Busy Here |
| BOT_SIP_COUNTRY_CODE | 355 | for national caller numbers |
| BOT_SIP_SOURCE_RATE | 20 | SIP requests a second from one untrusted source (burst: twice that) |
| BOT_SIP_MAX_CALLS_PER_SOURCE | 5 | simultaneous calls from one untrusted source |
| BOT_SIP_TRUSTED_PEERS | 127.0.0.1,::1 | addresses/CIDRs whose caller ID is believed ("": none) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.payloads import HandoffQueue
from bot.sip.limits import SourceLimitSettings
from bot.sip.peers import LOOPBACK, Network, parse_peers
from bot.sip.sdp import DEFAULT_CODECS, SUPPORTED_CODECS
from bot.sip.transaction import DEFAULT_TIMERS, TimerSettings


def _queues(env: Mapping[str, str]) -> dict[str, str]:
    """Each hand-off queue's URI (the queues are those of the hand-off payload)."""
    return {
        HandoffQueue.AGENT: env.get("BOT_SIP_AGENT_URI", "sip:agent@127.0.0.1:5070"),
        HandoffQueue.POS_SUPPORT: env.get("BOT_SIP_POS_URI", "sip:pos@127.0.0.1:5070"),
    }


def _port_range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    first, last = int(low), int(high or low)
    if not 1024 <= first <= last <= 65535:
        raise ValueError(f"bad RTP port range {text!r}")
    return first, last


def _codecs(text: str) -> tuple[str, ...]:
    codecs = tuple(name.strip().upper() for name in text.split(",") if name.strip())
    if not codecs or set(codecs) - SUPPORTED_CODECS:
        raise ValueError(f"bad codec list {text!r} (PCMA, PCMU)")
    return codecs


def _source_limits(env: Mapping[str, str]) -> SourceLimitSettings:
    rate = float(env.get("BOT_SIP_SOURCE_RATE", "20"))
    calls = int(env.get("BOT_SIP_MAX_CALLS_PER_SOURCE", "5"))
    if rate <= 0 or calls < 1:
        raise ValueError("BOT_SIP_SOURCE_RATE must be > 0, BOT_SIP_MAX_CALLS_PER_SOURCE >= 1")
    return SourceLimitSettings(rate=rate, burst=max(1, int(2 * rate)), calls=calls)


@dataclass(frozen=True)
class GatewayConfig:
    host: str = "127.0.0.1"
    port: int = 5060
    rtp_ports: tuple[int, int] = (20000, 20999)
    codecs: tuple[str, ...] = DEFAULT_CODECS
    queues: dict[str, str] = field(default_factory=lambda: _queues({}))
    rtp_timeout: float = 30.0
    transfer_timeout: float = 20.0
    max_calls: int = 50
    country_code: str = "355"
    user: str = "bank"
    timers: TimerSettings = DEFAULT_TIMERS
    trusted_peers: tuple[Network, ...] = LOOPBACK
    source_limits: SourceLimitSettings = SourceLimitSettings()

    @property
    def address(self) -> str:
        """The SIP URI callers dial."""
        return f"sip:{self.user}@{self.host}:{self.port}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GatewayConfig:
        env = os.environ if env is None else env
        return cls(
            host=env.get("BOT_SIP_HOST", "127.0.0.1"),
            port=int(env.get("BOT_SIP_PORT", "5060")),
            rtp_ports=_port_range(env.get("BOT_SIP_RTP_PORTS", "20000-20999")),
            codecs=_codecs(env.get("BOT_SIP_CODECS", ",".join(DEFAULT_CODECS))),
            queues=_queues(env),
            rtp_timeout=float(env.get("BOT_SIP_RTP_TIMEOUT", "30")),
            transfer_timeout=float(env.get("BOT_SIP_TRANSFER_TIMEOUT", "20")),
            max_calls=int(env.get("BOT_SIP_MAX_CALLS", "50")),
            country_code=env.get("BOT_SIP_COUNTRY_CODE", "355"),
            source_limits=_source_limits(env),
            trusted_peers=parse_peers(env.get("BOT_SIP_TRUSTED_PEERS", "127.0.0.1,::1")),
        )
