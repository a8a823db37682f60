"""Amounts, numbers and dates as people say them (for text-to-speech) and write them (web chat).

Modules: `lang` (the two languages), `numbers` (cardinals in words), `currencies` (the seven
statement currencies, their names, recognising them in text), `money` (spoken and written amounts),
`dates` and `times` (spoken and written calendar dates and clock times).
"""

from bot.i18n.lang import DEFAULT_LANGUAGE, LANGUAGES, Lang, check_lang

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Lang", "check_lang"]
