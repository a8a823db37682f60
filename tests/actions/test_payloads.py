"""The payload contract between the actions and the clients (bot/payloads.py)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from actions.menus import menu_payload
from bot.bank import validators
from bot.bank.models import HandoffQueue as SchemaQueue
from bot.config import PROJECT_ROOT
from bot.menus import KEYS, load_menus
from bot.payloads import (
    KEYS as PAYLOAD_KEYS,
)
from bot.payloads import (
    CollectPayload,
    GoodbyePayload,
    HandoffPayload,
    HandoffQueue,
    MenuPayload,
    read_payload,
)
from bot.voice.turns import read_turn

SLOT_LENGTHS = {
    "card_number": validators.CARD_NUMBER_LENGTH,
    "card_pin": validators.PIN_LENGTH,
    "customer_number": validators.CUSTOMER_NUMBER_LENGTH,
}


def _domain_payloads() -> list[dict[str, Any]]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return [variant["custom"] for variants in domain["responses"].values()
            for variant in variants if "custom" in variant]


def test_domain_collect_lengths_match_the_validators() -> None:
    collects = [read_payload(raw) for raw in _domain_payloads() if "collect" in raw]
    assert {c.slot for c in collects} == set(SLOT_LENGTHS)
    for collect in collects:
        assert isinstance(collect, CollectPayload)
        assert collect.digits == SLOT_LENGTHS[collect.slot], collect.slot
        assert collect.secret is (collect.slot != "customer_number")


def test_every_domain_payload_is_one_the_clients_read() -> None:
    for raw in _domain_payloads():
        payload = read_payload(raw)
        assert payload is not None, raw
        assert payload.to_dict() == raw


@pytest.mark.parametrize("payload", [
    MenuPayload("main", "en", {"1": "/card_info", "0": "/lost_card"}, "1", "Press 1"),
    CollectPayload("card_pin", 4, True),
    CollectPayload("free", None, False),
    HandoffPayload(HandoffQueue.POS_SUPPORT, 12, "pos_support"),
    GoodbyePayload(),
])
def test_payloads_round_trip(payload: object) -> None:
    assert read_payload(payload.to_dict()) == payload


def test_every_menu_payload_round_trips() -> None:
    for menu in load_menus().values():
        for lang in ("sq", "en"):
            payload = menu_payload(menu, lang)
            assert read_payload(payload.to_dict()) == payload


@pytest.mark.parametrize("raw", [
    None, [], "menu", {"menu": 5}, {"menu": "main", "keys": {"A": "/x"}},
    {"menu": "main", "keys": ["1"]}, {"menu": "x" * 100},
    {"collect": {"slot": "card_pin", "digits": 10**9}}, {"collect": {"slot": 3}},
    {"collect": {"slot": "pin", "digits": True}}, {"collect": "card_pin"},
    {"handoff": {"queue": "the_boss"}}, {"handoff": "agent"}, {"goodbye": "yes"},
    {"something": "else"},
])
def test_malformed_payloads_are_ignored(raw: object) -> None:
    assert read_payload(raw) is None


def test_queues_and_keys_are_defined_once() -> None:
    assert SchemaQueue is HandoffQueue
    assert KEYS is PAYLOAD_KEYS


def test_voice_reads_the_payloads_the_actions_build() -> None:
    menu = MenuPayload("main", "sq", {"0": "/lost_card"}, None, "Shtypni 0")
    turn = read_turn([{"text": "Mirë se vini"}, {"custom": menu.to_dict()},
                      {"custom": HandoffPayload(HandoffQueue.AGENT, 3, "lost_card").to_dict()},
                      {"custom": {"collect": {"slot": "card_pin", "digits": "4"}}}])
    assert turn.menu == menu and turn.lang == "sq"
    assert turn.handoff is not None and turn.handoff.queue is HandoffQueue.AGENT
    assert turn.collect is None  # a malformed collect payload is not acted on
