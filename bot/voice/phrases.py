"""Keys said aloud: phrase lists for the recognizer and recognized words back to keys.

Where the caller is expected to answer from a small set (a digit string, the language menu),
the session restricts the recognizer to the spoken keys (`Recognizer.set_phrases`), which is
far more reliable than free recognition. Elsewhere recognition stays free, so that a caller can
ask in their own words; a reply that is just a key's word still counts as that key.

The words are the digits as the number module says them ("një", "dy" / "one", "two"). A model
configured for a language knows some of them or none (the recognizer leaves out the unknown
ones); `KeyWords` can be given other words, e.g. for a model of another language in tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.i18n import LANGUAGES
from bot.i18n.numbers import number_words
from bot.menus import load_menus


def default_words(lang: str) -> dict[str, str]:
    """word -> key for the digits in `lang` (plus "oh" for zero in English)."""
    words = {number_words(digit, lang): str(digit) for digit in range(10)}  # type: ignore[arg-type]
    if lang == "en":
        words["oh"] = "0"
    return words


@dataclass(frozen=True)
class KeyWords:
    """Per language, the words that stand for keypad keys."""

    words: Mapping[str, Mapping[str, str]]

    @classmethod
    def default(cls) -> KeyWords:
        return cls({lang: default_words(lang) for lang in LANGUAGES})

    def for_langs(self, langs: Iterable[str]) -> dict[str, str]:
        merged: dict[str, str] = {}
        for lang in langs:
            merged.update(self.words.get(lang, {}))
        return merged

    def phrases(self, keys: Iterable[str], langs: Iterable[str]) -> list[str]:
        """The words for `keys` in `langs` (a phrase list for the recognizer)."""
        wanted = set(keys)
        return sorted(word for word, key in self.for_langs(langs).items() if key in wanted)

    def key_of(self, text: str, langs: Iterable[str]) -> str | None:
        """The key an utterance stands for, if it is exactly one key's word."""
        return self.for_langs(langs).get(text.strip().lower())

    def digits_of(self, text: str, langs: Iterable[str]) -> str | None:
        """The digit string an utterance says ("katër dy" -> "42"), if it is only digit words."""
        table = self.for_langs(langs)
        words = text.strip().lower().split()
        keys = [table.get(word) for word in words]
        if not words or any(key is None or not key.isdigit() for key in keys):
            return None
        return "".join(keys)  # type: ignore[arg-type]


def title_words(menu_name: str, langs: Iterable[str]) -> dict[str, str]:
    """phrase -> key for the menu items' titles ("english" -> "2"), without bracketed notes."""
    menu = load_menus().get(menu_name)
    if menu is None:
        return {}
    found: dict[str, str] = {}
    for item in menu.items:
        for lang in langs:
            title = item.title.get(lang, "").split("(")[0].strip().lower()
            if title:
                found[title] = item.key
    return found
