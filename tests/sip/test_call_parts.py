"""The small parts of the call layer: settings, the sipfrag status, the call log line."""

from __future__ import annotations

import pytest

from bot.sip.call_log import CallRecord
from bot.sip.config import GatewayConfig
from bot.sip.message import parse_message
from bot.sip.refer import (
    conversation_reference,
    refer_target,
    sipfrag_status,
    subscription_ended,
)


def test_settings_from_env() -> None:
    config = GatewayConfig.from_env({
        "BOT_SIP_PORT": "5080", "BOT_SIP_RTP_PORTS": "30000-30100", "BOT_SIP_CODECS": "pcmu",
        "BOT_SIP_AGENT_URI": "sip:queue-a@10.0.0.5", "BOT_SIP_RTP_TIMEOUT": "12",
    })
    assert (config.host, config.port, config.rtp_ports) == ("127.0.0.1", 5080, (30000, 30100))
    assert config.codecs == ("PCMU",)
    assert config.queues == {"agent": "sip:queue-a@10.0.0.5",
                             "pos_support": "sip:pos@127.0.0.1:5070"}
    assert config.rtp_timeout == 12.0
    assert GatewayConfig.from_env({}).port == 5060


@pytest.mark.parametrize("env", [{"BOT_SIP_RTP_PORTS": "80-90"}, {"BOT_SIP_CODECS": "G729"}])
def test_bad_settings_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        GatewayConfig.from_env(env)


def _notify(body: str, state: str = "active") -> bytes:
    return ("NOTIFY sip:bank@127.0.0.1 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKx\r\n"
            "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:bank@127.0.0.1>;tag=2\r\nCall-ID: c\r\n"
            "CSeq: 3 NOTIFY\r\nMax-Forwards: 70\r\nEvent: refer\r\n"
            f"Subscription-State: {state}\r\nContent-Type: message/sipfrag;version=2.0\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}").encode()


def test_sipfrag_status_and_subscription_state() -> None:
    trying = parse_message(_notify("SIP/2.0 100 Trying\r\n"))
    done = parse_message(_notify("SIP/2.0 486 Busy Here\r\n", "terminated;reason=noresource"))
    junk = parse_message(_notify("hello"))
    assert sipfrag_status(trying) == 100 and not subscription_ended(trying)  # type: ignore[arg-type]
    assert sipfrag_status(done) == 486 and subscription_ended(done)  # type: ignore[arg-type]
    assert sipfrag_status(junk) is None  # type: ignore[arg-type]


def test_call_log_line() -> None:
    record = CallRecord("abc@host", "+355694102047", started=1_800_000_000.0)
    record.ended, record.outcome = 1_800_000_042.5, "transferred"
    record.transfer_queue, record.transfer_target = "agent", "sip:agent@127.0.0.1:5070"
    line = record.line()
    assert "caller=+355694102047" in line and "duration=42.5s" in line
    assert "outcome=transferred" in line and "transfer=agent:sip:agent@127.0.0.1:5070" in line
    assert "caller=withheld" in CallRecord("x", None).line()


def test_refer_target_embeds_user_to_user_escaped() -> None:
    reference = conversation_reference("voice-abc")
    assert len(reference) == 32 and reference != conversation_reference("voice-abd")
    assert refer_target("sip:agent@pbx", None) == "sip:agent@pbx"
    assert refer_target("sip:agent@pbx", reference) == (
        f"sip:agent@pbx?User-to-User={reference}%3Bencoding%3Dhex%3Bpurpose%3Dconversation-ref")
    assert refer_target("sip:agent@pbx?X-Queue=1", reference).startswith(
        "sip:agent@pbx?X-Queue=1&User-to-User=")
