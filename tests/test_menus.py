"""The menu tree is the spec's keypad, key for key (spec section 3, resolution R1)."""

from __future__ import annotations

import pytest

from bot.menus import load_menus, menu_for, parse_menus

SPEC_KEYS = {
    "language": {"1": "choose_language", "2": "choose_language"},
    "main": {"0": "lost_card", "1": "individual_customer", "2": "business_customer"},
    "individual": {"1": "card_info", "2": "account_info", "3": "complaint", "9": "repeat",
                   "0": "talk_to_agent"},
    "card": {"1": "credit_limit", "2": "last_card_transaction", "3": "card_transactions_email",
             "0": "talk_to_agent", "8": "main_menu", "9": "repeat"},
    "credit_limit_done": {"1": "credit_limit", "7": "go_back", "8": "main_menu"},
    "last_transaction_done": {"3": "card_transactions_email", "7": "go_back", "8": "main_menu"},
    "card_transactions_done": {"7": "go_back", "8": "main_menu"},
    "accounts_method": {"1": "verify_with_card", "2": "verify_with_customer_number"},
    "accounts": {"1": "check_balance", "2": "check_all_balances", "3": "request_statement",
                 "0": "talk_to_agent", "8": "main_menu", "9": "repeat"},
    "linked_balance_done": {"1": "check_balance", "7": "go_back", "8": "main_menu"},
    "all_balances_done": {"1": "check_all_balances", "7": "go_back", "8": "main_menu"},
    "currency": {**{str(k): "request_statement" for k in range(1, 8)}, "8": "main_menu",
                 "*": "go_back"},
    "business": {"1": "pos_support", "2": "other_information", "3": "complaint"},
}
# Not in the seed: heard after the summary of a long balances read-out (issue 15).
OUR_KEYS = {
    "all_balances_summary": {"1": "check_all_balances", "2": "balances_email", "7": "go_back",
                             "8": "main_menu"},
}


def test_every_menu_has_exactly_the_spec_keys() -> None:
    menus = load_menus()
    assert set(menus) == set(SPEC_KEYS) | set(OUR_KEYS)
    for name, keys in {**SPEC_KEYS, **OUR_KEYS}.items():
        assert {item.key: item.intent for item in menus[name].items} == keys, name


def test_currency_keys_follow_resolution_r1() -> None:
    currency = menu_for("currency")
    codes = [currency.item(str(key)).entities["currency"] for key in range(1, 8)]
    assert codes == ["ALL", "EUR", "USD", "GBP", "CHF", "AUD", "CAD"]
    assert currency.item("*").intent == "go_back"
    assert "yllin" in currency.spoken("sq") and "star" in currency.spoken("en")


def test_language_menu_defaults_to_albanian() -> None:
    language = menu_for("language")
    assert language.default_key == "1"
    assert language.item("1").payload == '/choose_language{"language":"sq"}'


def test_spoken_prompt_says_press_once_then_every_key() -> None:
    assert menu_for("individual").spoken("sq") == (
        "Klientë individë. Shtypni 1 për kartat, 2 për llogaritë rrjedhëse, 3 për një ankesë, "
        "9 për ta përsëritur, 0 për agjentin.")
    assert menu_for("main").spoken("en") == (
        "Main menu. Press 0 for a lost or stolen card, 1 for individual customers, "
        "2 for business customers.")


def test_a_spoken_prompt_can_differ_from_the_written_one() -> None:
    currency = menu_for("currency")
    assert currency.prompt["en"] == "Choose the currency of the statement."  # the web chat
    assert currency.spoken("en").startswith("Press 1 for lek, 2 euro, ")  # the phone
    with pytest.raises(ValueError):
        parse_menus({"menus": {"m": {"parent": None, "prompt": {}, "items": [],
                                     "spoken_prompt": {"sq": ""}}}})


def test_buttons_carry_the_item_intent() -> None:
    buttons = menu_for("currency").buttons("en")
    assert buttons[1] == {"title": "2 · Euro", "payload": '/request_statement{"currency":"EUR"}'}


def test_parents_lead_back_to_the_language_menu() -> None:
    menus = load_menus()
    for name in menus:
        seen = set()
        while name is not None:
            assert name not in seen
            seen.add(name)
            name = menus[name].parent
        assert "language" in seen


@pytest.mark.parametrize("problem", ["duplicate", "bad key", "missing language"])
def test_malformed_menus_are_rejected(problem: str) -> None:
    item = {"key": "1", "title": {"sq": "a", "en": "a"}, "say": {"sq": "a", "en": "a"},
            "intent": "x"}
    items = {
        "duplicate": [item, item],
        "bad key": [{**item, "key": "A"}],
        "missing language": [{**item, "title": {"sq": "a"}}],
    }[problem]
    with pytest.raises(ValueError):
        parse_menus({"menus": {"m": {"parent": None, "prompt": {}, "items": items}}})
