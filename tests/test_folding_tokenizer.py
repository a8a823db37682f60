"""Albanian with or without diacritics gives the featurizers the same tokens."""

from __future__ import annotations

from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.folding_tokenizer import FoldingTokenizer, fold


def _tokens(text: str) -> list[tuple[str, int, int]]:
    tokenizer = FoldingTokenizer(FoldingTokenizer.get_default_config())
    message = Message(data={TEXT: text})
    return [(token.text, token.start, token.end) for token in tokenizer.tokenize(message, TEXT)]


def test_diacritics_are_folded_and_offsets_kept() -> None:
    assert _tokens("Gjendja e llogarisë, çfarë?") == _tokens("Gjendja e llogarise, cfare?")
    text = "dua kartën Ç"
    for token, start, end in _tokens(text):
        assert fold(text[start:end]) == token


def test_typographic_apostrophes_are_plain_ones() -> None:
    assert _tokens("I’d like my balance") == _tokens("I'd like my balance")


def test_the_message_text_itself_is_untouched() -> None:
    message = Message(data={TEXT: "llogarinë"})
    FoldingTokenizer(FoldingTokenizer.get_default_config()).tokenize(message, TEXT)
    assert message.get(TEXT) == "llogarinë"
