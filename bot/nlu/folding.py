"""Albanian's two diacritic letters folded: "ë" is read as "e", "ç" as "c".

Callers type Albanian without diacritics as often as with them, and speech recognisers may drop
them; folding makes "llogarinë" and "llogarine" one word for the intent model and the entity
lexicon. Each letter becomes one letter, so offsets into the text stay right: entity values are
taken from the text as the caller wrote it. Typographic apostrophes count as "'" for the same
reason ("I’d" = "I'd").
"""

from __future__ import annotations

_FOLD = str.maketrans({"ë": "e", "Ë": "E", "ç": "c", "Ç": "C", "’": "'", "‘": "'"})


def fold(text: str) -> str:
    """`text` with ë, ç (any case) and typographic apostrophes folded; same length."""
    return text.translate(_FOLD)
