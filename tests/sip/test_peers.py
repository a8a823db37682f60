"""Caller ID is believed only from trusted peers (issue 11, item 1): the rule, without sockets."""

from __future__ import annotations

import pytest

from bot.sip.config import GatewayConfig
from bot.sip.peers import LOOPBACK, decide_caller_id, is_trusted, parse_peers


def test_default_trusts_loopback_only() -> None:
    peers = GatewayConfig.from_env({}).trusted_peers
    assert peers == LOOPBACK
    assert is_trusted("127.0.0.1", peers) and is_trusted("::1", peers)
    assert not is_trusted("127.0.0.2", peers)
    assert not is_trusted("192.0.2.10", peers)


def test_configured_addresses_and_cidrs() -> None:
    config = GatewayConfig.from_env(
        {"BOT_SIP_TRUSTED_PEERS": " 192.0.2.10, 198.51.100.0/24 ,2001:db8::/32"})
    peers = config.trusted_peers
    assert is_trusted("192.0.2.10", peers)
    assert is_trusted("198.51.100.77", peers)
    assert is_trusted("2001:db8::5", peers)
    assert is_trusted("::ffff:198.51.100.1", peers)  # IPv4-mapped, as a dual-stack socket sees
    assert not is_trusted("192.0.2.11", peers)
    assert not is_trusted("127.0.0.1", peers)  # loopback no longer, once peers are configured
    assert not is_trusted("not-an-address", peers)


@pytest.mark.parametrize("text", ["", "none", " NONE "])
def test_trust_no_one(text: str) -> None:
    assert parse_peers(text) == ()
    assert not is_trusted("127.0.0.1", parse_peers(text))


def test_a_bad_peer_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="trusted SIP peer"):
        GatewayConfig.from_env({"BOT_SIP_TRUSTED_PEERS": "carrier.example"})


def test_a_spoofed_number_from_an_untrusted_source_is_not_believed() -> None:
    decision = decide_caller_id("+355691234567", "203.0.113.9", LOOPBACK)
    assert decision.number is None
    assert decision.claimed == "+355691234567"
    assert decision.refusal == "untrusted_peer:203.0.113.9"


def test_a_number_from_a_trusted_peer_is_believed() -> None:
    decision = decide_caller_id("+355691234567", "127.0.0.1", LOOPBACK)
    assert decision.number == "+355691234567" and decision.believed


def test_a_withheld_number_needs_no_reason() -> None:
    decision = decide_caller_id(None, "203.0.113.9", LOOPBACK)
    assert decision.number is None and decision.believed
