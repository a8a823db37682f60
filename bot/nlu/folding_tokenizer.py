"""Whitespace tokens with Albanian's two diacritic letters folded: "ë" is read as "e", "ç" as "c".

Callers type Albanian without diacritics as often as with them, and speech recognisers may
drop them; folding makes "llogarinë" and "llogarine" one word for every featurizer. Only the
tokens are folded (each letter for one letter, so offsets stay right): the message text, and so
the entity values taken from it, keep what the caller wrote. Typographic apostrophes count as
"'" for the same reason ("I’d" = "I'd").
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

_FOLD = str.maketrans({"ë": "e", "Ë": "E", "ç": "c", "Ç": "C", "’": "'", "‘": "'"})


def fold(text: str) -> str:
    """`text` with ë, ç (any case) and typographic apostrophes folded; same length."""
    return text.translate(_FOLD)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class FoldingTokenizer(WhitespaceTokenizer):
    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            token.text = fold(token.text)
            token.lemma = fold(token.lemma)
        return tokens
