"""Language identification per message, learned from the training data, judged on held-out
sets it never saw (clean, natural speech, out of scope)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.designer.held_out import held_out_file
from bot.i18n import LANGUAGES
from bot.nlu.keypad import keypad_intent
from bot.nlu.language_id import (
    PARSE_KEY,
    LanguageModel,
    example_texts,
    language_of,
    learn_from_files,
    training_files,
)


@pytest.fixture(scope="module")
def model() -> LanguageModel:
    return learn_from_files(training_files(PROJECT_ROOT))


def test_at_least_98_percent_of_held_out_messages_get_their_language(model: LanguageModel) -> None:
    judged, wrong = 0, []
    for kind in ("clean", "natural", "out_of_scope"):
        for language in LANGUAGES:
            for text in example_texts(held_out_file(kind, language)):
                if keypad_intent(text) is not None:
                    continue  # keys and digit strings have no language
                guess = model.identify(text)
                judged += 1
                if guess is None or guess.code != language:
                    wrong.append((language, text, guess))
    assert judged >= 1000
    assert 1 - len(wrong) / judged >= 0.98, wrong


@pytest.mark.parametrize(("text", "expected"), [
    ("what's my balance", "en"),
    ("hi yes good morning um I'd just like to know how much money I have", "en"),
    ("sa para kam në llogari", "sq"),
    ("pershendetje dua te di sa para kam ne llogari", "sq"),  # no diacritics
    ("mirëdita, më lidhni me një operator", "sq"),
    ("I lost my card", "en"),
])
def test_messages_in_either_language(model: LanguageModel, text: str, expected: str) -> None:
    guess = model.identify(text)
    assert guess is not None and guess.code == expected and guess.confidence >= 0.8


@pytest.mark.parametrize("text", ["", "1", "4012 7531 8", "   ", "#", "!!!"])
def test_keys_digits_and_empty_text_have_no_language(model: LanguageModel, text: str) -> None:
    assert model.identify(text) is None


def test_a_huge_message_is_judged_by_its_beginning_quickly(model: LanguageModel) -> None:
    started = time.monotonic()
    guess = model.identify("what is my balance " * 200_000)
    assert guess is not None and guess.code == "en"
    assert time.monotonic() - started < 1.0


def test_the_learned_model_survives_its_json_form(model: LanguageModel) -> None:
    again = LanguageModel.from_json(model.to_json())
    assert again.identify("dua te flas me nje agjent") == model.identify(
        "dua te flas me nje agjent")


@pytest.mark.parametrize(("parse", "expected"), [
    ({PARSE_KEY: {"code": "en", "confidence": 0.99}}, "en"),
    ({PARSE_KEY: {"code": "sq", "confidence": 0.8}}, "sq"),
    ({PARSE_KEY: {"code": "en", "confidence": 0.6}}, None),  # "ok": could be either
    ({PARSE_KEY: {"code": "de", "confidence": 1.0}}, None),
    ({PARSE_KEY: "en"}, None),
    ({}, None),
    (None, None),
])
def test_language_of_a_parse_result(parse: dict | None, expected: str | None) -> None:
    assert language_of(parse) == expected


def test_it_learns_from_every_language_file_of_the_training_data() -> None:
    files = training_files(PROJECT_ROOT)
    assert set(files) == set(LANGUAGES)
    for language, paths in files.items():
        assert all(path.name == f"{language}.yml" and path.exists() for path in paths)
        assert PROJECT_ROOT / "data" / "nlu" / "natural" / f"{language}.yml" in paths
        assert not any(Path(PROJECT_ROOT / "tests") in path.parents for path in paths)
