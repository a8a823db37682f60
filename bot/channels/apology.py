"""What a customer hears when their turn cannot be done: the one apology, in their language.

Said by the Rasa server for a failed action or store (bot.channels.kept_turns) and by the HTTP
edge when no replica can take a turn (bot.ops.cluster). No Rasa import: the edge's operator
code reads it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.i18n.lang import DEFAULT_LANGUAGE, LANGUAGES

APOLOGY: Mapping[str, str] = {
    "sq": "Na vjen keq, nuk mundëm ta kryenim këtë tani. Ju lutem provoni përsëri pas pak.",
    "en": "Sorry, we could not do that just now. Please try again in a moment.",
}


def apology(language: Any) -> str:
    """The apology in `language`; in every language (Albanian first) when it is not known."""
    if language in LANGUAGES:
        return APOLOGY[language]
    others = sorted(set(LANGUAGES) - {DEFAULT_LANGUAGE})
    return " / ".join(APOLOGY[lang] for lang in (DEFAULT_LANGUAGE, *others))
