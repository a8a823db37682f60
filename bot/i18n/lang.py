"""The assistant's languages: Albanian (the default, also when nothing is chosen) and English."""

from __future__ import annotations

from typing import Literal, cast

Lang = Literal["sq", "en"]
LANGUAGES: tuple[Lang, ...] = ("sq", "en")
DEFAULT_LANGUAGE: Lang = "sq"


def check_lang(lang: str) -> Lang:
    """`lang` as a `Lang`; ValueError for a language the assistant does not speak."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
    return cast(Lang, lang)
