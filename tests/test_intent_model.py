"""The intent model learned from the project's own training data (bot.nlu.intent_model), and the
pipeline component around it (bot.nlu.linear_classifier): what a message comes out as."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.nlu.intent_model import IntentModel, normalize, project_examples


@pytest.fixture(scope="module")
def model() -> IntentModel:
    return IntentModel.learn(*project_examples(PROJECT_ROOT))


def test_normalized_text_folds_diacritics_case_and_punctuation() -> None:
    assert normalize("Gjendja e LLOGARISË, çfarë?") == "gjendja e llogarise cfare"
    assert normalize("I’d like my balance") == normalize("i'd like my balance")


@pytest.mark.parametrize(("text", "label"), [
    ("sa para kam ne llogari", "check_balance"),
    ("sa para kam në llogari", "check_balance"),
    ("how do i change my e-banking password", "faq/change_password"),
    ("what will the weather be like tomorrow", "out_of_scope"),
])
def test_messages_get_their_label(model: IntentModel, text: str, label: str) -> None:
    best, confidence = model.rank(text)[0]
    assert best == label, model.rank(text)[:3]
    assert 0.0 < confidence <= 1.0


@pytest.mark.parametrize("text", ["이어 영파 배격 현 벽에 다", "xqzv", "", "?!"])
def test_a_message_with_no_known_word_is_recognised_as_such(model: IntentModel,
                                                           text: str) -> None:
    assert not model.knows_a_word(text)


@pytest.mark.parametrize("text", ["balance xqzv", "Llogarinë", "ok"])
def test_one_known_word_is_enough(model: IntentModel, text: str) -> None:
    assert model.knows_a_word(text)


def test_the_model_file_loads_back_the_same(model: IntentModel, tmp_path: Path) -> None:
    model.dump(tmp_path / "model.skops")
    loaded = IntentModel.load(tmp_path / "model.skops")
    assert loaded.rank("i lost my card") == model.rank("i lost my card")
    assert loaded.vocabulary == model.vocabulary


def test_the_order_of_the_examples_changes_nothing(model: IntentModel) -> None:
    """Rasa hands the examples over in an order that varies between processes."""
    texts, labels = project_examples(PROJECT_ROOT)
    reordered = IntentModel.learn(texts[::-1], labels[::-1])
    for text in ("failed", "i lost my card", "sa para kam", "what is the euro rate"):
        assert reordered.rank(text) == model.rank(text)
