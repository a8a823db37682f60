"""Language parity: small documents with one gap each are caught, and the project has none."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.designer.parity import (
    ambiguous_variations,
    check_project,
    intents_with_examples,
    missing_menu_languages,
    missing_response_languages,
    one_sided_intents,
)
from tests.support import run_bot

EN = [{"type": "slot", "name": "language", "value": "en"}]


def test_a_response_without_its_english_or_albanian_variation_is_reported() -> None:
    responses = {
        "utter_both": [{"text": "Mirëdita"}, {"text": "Hello", "condition": EN}],
        "utter_sq_only": [{"text": "Mirupafshim"}],
        "utter_en_only": [{"text": "Bye", "condition": EN}],
    }
    assert missing_response_languages(responses) == [
        "response utter_sq_only: no en variation",
        "response utter_en_only: no sq variation",
    ]


def test_a_variation_conditioned_on_another_slot_is_not_a_language() -> None:
    other = [{"type": "slot", "name": "output_mode", "value": "voice"}]
    responses = {
        "utter_x": [{"text": "Zë", "condition": other}, {"text": "Voice", "condition": EN}]
    }
    assert missing_response_languages(responses) == ["response utter_x: no sq variation"]


def test_a_spoken_form_must_leave_exactly_one_variation_per_language_and_channel() -> None:
    def when(lang: str, mode: str) -> list[dict[str, str]]:
        return [{"type": "slot", "name": "language", "value": lang},
                {"type": "slot", "name": "output_mode", "value": mode}]

    responses = {
        "utter_right": [{"text": "(0)4 22"},
                        {"text": "zero katër", "condition": when("sq", "voice")},
                        {"text": "(0)4 22", "condition": when("en", "text")},
                        {"text": "zero four", "condition": when("en", "voice")}],
        # the English written form conditioned on the language only: voice callers would hear
        # either form at random, and the spoken one would reach the chat too
        "utter_loose": [{"text": "(0)4 22"},
                        {"text": "zero katër", "condition": when("sq", "voice")},
                        {"text": "(0)4 22", "condition": EN},
                        {"text": "zero four", "condition": when("en", "voice")}],
    }
    assert ambiguous_variations(responses) == ["response utter_loose: 2 variations for en voice"]


def test_a_menu_label_missing_a_language_is_reported() -> None:
    menus = {
        "main": {
            "prompt": {"sq": "Menuja kryesore.", "en": "Main menu."},
            "items": [
                {
                    "key": "1",
                    "title": {"sq": "Klient individ", "en": "Individual customer"},
                    "say": {"sq": "nëse jeni klient individ", "en": "if you are an individual"},
                },
                {
                    "key": "2",
                    "title": {"sq": "Klient biznes", "en": " "},
                    "say": {"sq": "nëse jeni klient biznes"},
                },
            ],
        },
        "card_done": {"readout": True, "prompt": {"sq": "", "en": ""}, "items": []},
        "accounts": {"prompt": {"sq": "Llogaritë."}, "items": []},
    }
    assert missing_menu_languages(menus) == [
        "menu main key 2: no en title",
        "menu main key 2: no en say",
        "menu accounts: empty en prompt",
    ]


def test_a_one_sided_faq_key_or_intent_is_reported() -> None:
    sq = intents_with_examples(
        [
            {"intent": "faq/logout", "examples": "- si dal nga e-banking\n"},
            {"intent": "faq/help_page", "examples": "- faqja ndihmë\n"},
            {"intent": "faq/empty", "examples": ""},
        ]
    )
    en = intents_with_examples(
        [
            {"intent": "faq/logout", "examples": "- how do i log out\n"},
            {"intent": "faq/empty", "examples": "- something\n"},
            {"synonym": "en", "examples": "- english\n"},
        ]
    )
    assert one_sided_intents(sq, en, "FAQ key") == [
        "FAQ key faq/help_page: examples in sq only",
        "FAQ key faq/empty: examples in en only",
    ]


def test_the_project_has_no_parity_problem() -> None:
    problems, counts = check_project()
    assert problems == []
    assert counts["responses"] > 50 and counts["menus"] > 10
    assert counts["FAQ keys"] > 20 and counts["intents"] > 20


def test_bot_parity_command() -> None:
    result = run_bot("parity")
    assert result.returncode == 0, result.stderr
    assert "sq and en match" in result.stdout


def test_bot_parity_fails_with_the_list_of_problems(tmp_path: Path) -> None:
    for name in ("domain.yml", "menus.yml", "data/faq", "data/nlu"):
        source = PROJECT_ROOT / name
        target = tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy(source, target)
    faq = tmp_path / "data" / "faq" / "en.yml"
    faq.write_text(
        faq.read_text(encoding="utf-8").replace("intent: faq/logout", "intent: faq/logout_en")
    )
    result = run_bot("parity", "--project", str(tmp_path))
    assert result.returncode == 1
    assert "parity problem: FAQ key faq/logout: examples in sq only" in result.stderr
    assert "parity problem: FAQ key faq/logout_en: examples in en only" in result.stderr
    assert "2 problem(s)" in result.stdout
