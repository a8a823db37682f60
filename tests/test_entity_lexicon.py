"""Closed-set entities found by their words (bot.nlu.entity_lexicon), learned from annotations
and synonyms like the project's."""

from __future__ import annotations

import pytest

from bot.nlu.entity_lexicon import Annotation, EntityLexicon

SYNONYMS = {"katër": "4", "katrën": "4", "four": "4", "pound key": "#", "hash": "#",
            "euro": "EUR", "eurot": "EUR", "pound": "GBP", "lekë": "ALL", "lek": "ALL",
            "anglisht": "en", "english": "en", "unused form": "XYZ"}
ANNOTATIONS = [
    Annotation("press_key", "digit", "4", "4"),
    Annotation("press_key", "digit", "four", "4"),
    Annotation("press_key", "digit", "pound key", "#"),
    Annotation("check_balance", "currency", "euro", "EUR"),
    Annotation("check_balance", "currency", "pound", "GBP"),
    Annotation("request_statement", "currency", "lekë", "ALL"),
    Annotation("choose_language", "language", "English", "en"),
]


@pytest.fixture()
def lexicon() -> EntityLexicon:
    return EntityLexicon.learn(ANNOTATIONS, SYNONYMS)


def _found(lexicon: EntityLexicon, text: str, intent: str | None = None) -> list[tuple]:
    return [(f.entity, f.value, text[f.start:f.end]) for f in lexicon.find(text, intent)]


def test_annotated_words_and_their_synonyms_are_found(lexicon: EntityLexicon) -> None:
    assert _found(lexicon, "ëë KATRËN") == [("digit", "4", "KATRËN")]
    assert _found(lexicon, "shtyp katren") == [("digit", "4", "katren")]
    assert _found(lexicon, "sa kam ne eurot dhe ne leke") == [("currency", "EUR", "eurot"),
                                                              ("currency", "ALL", "leke")]
    assert _found(lexicon, "flas anglisht") == [("language", "en", "anglisht")]


def test_the_longer_words_win(lexicon: EntityLexicon) -> None:
    assert _found(lexicon, "press the pound   key") == [("digit", "#", "pound   key")]
    assert _found(lexicon, "my pound account") == [("currency", "GBP", "pound")]


def test_only_whole_words(lexicon: EntityLexicon) -> None:
    assert _found(lexicon, "europe fourteen 44 hashish") == []


def test_by_intent_only_where_the_examples_annotate_it(lexicon: EntityLexicon) -> None:
    assert _found(lexicon, "four euro", "press_key") == [("digit", "4", "four")]
    assert _found(lexicon, "four euro", "check_balance") == [("currency", "EUR", "euro")]
    assert _found(lexicon, "four euro", "greet") == []


def test_by_intent_for_the_named_entities_only(lexicon: EntityLexicon) -> None:
    """The pipeline limits the keys' everyday words; "in pounds" is a currency under any intent."""
    assert [(f.entity, f.value) for f in lexicon.find("four euro", "greet", ["digit"])] == [
        ("currency", "EUR")]
    assert [(f.entity, f.value) for f in lexicon.find("four euro", "press_key", ["digit"])] == [
        ("digit", "4"), ("currency", "EUR")]


def test_a_synonym_of_no_annotated_value_is_no_entity(lexicon: EntityLexicon) -> None:
    assert _found(lexicon, "an unused form") == []


def test_the_lexicon_survives_its_file(lexicon: EntityLexicon) -> None:
    again = EntityLexicon.from_json(lexicon.to_json())
    assert again.find("press four please", "press_key") == lexicon.find("press four please",
                                                                       "press_key")
