"""Whole numbers in words, as a text-to-speech engine should read them.

Albanian: the parts of a compound number are joined with the conjunction "e" at every level
(21 "njëzet e një", 2350 "dy mijë e treqind e pesëdhjetë", 1_000_021 "një milion e njëzet e një");
hundreds are one word ("njëqind", "dyqind"); "mijë" does not change in the plural, "milion" and
"miliard" do ("dy milionë", "dy miliardë").

English: British usage, with "and" before the tens and units of each group of three digits that
has hundreds ("one hundred and twenty-one") and before a last group below one hundred
("one thousand and five", "one million and twenty-one"); compound tens take a hyphen
("twenty-one"); short scale ("one billion" is 10**9).
"""

from __future__ import annotations

from bot.i18n.lang import Lang, check_lang

MAX_NUMBER = 999_999_999_999
"""The largest magnitude `number_words` reads: just under a thousand billion."""

_SQ_BELOW_20 = (
    "zero", "një", "dy", "tre", "katër", "pesë", "gjashtë", "shtatë", "tetë", "nëntë",
    "dhjetë", "njëmbëdhjetë", "dymbëdhjetë", "trembëdhjetë", "katërmbëdhjetë",
    "pesëmbëdhjetë", "gjashtëmbëdhjetë", "shtatëmbëdhjetë", "tetëmbëdhjetë", "nëntëmbëdhjetë",
)  # fmt: skip
_SQ_TENS = (
    "", "", "njëzet", "tridhjetë", "dyzet", "pesëdhjetë",
    "gjashtëdhjetë", "shtatëdhjetë", "tetëdhjetë", "nëntëdhjetë",
)  # fmt: skip
_SQ_HUNDREDS = (
    "", "njëqind", "dyqind", "treqind", "katërqind",
    "pesëqind", "gjashtëqind", "shtatëqind", "tetëqind", "nëntëqind",
)  # fmt: skip
# (value, singular, plural): "një mijë", "dy mijë"; "një milion", "dy milionë".
_SQ_SCALES = (
    (10**9, "miliard", "miliardë"),
    (10**6, "milion", "milionë"),
    (10**3, "mijë", "mijë"),
)

_EN_BELOW_20 = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "thirteen", "fourteen",
    "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)  # fmt: skip
_EN_TENS = (
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
)  # fmt: skip
_EN_SCALES = ((10**9, "billion"), (10**6, "million"), (10**3, "thousand"))

# Ordinals whose last word is not simply cardinal + "th" (or "ty" -> "tieth").
_EN_IRREGULAR_ORDINALS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def _sq_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = [_SQ_HUNDREDS[hundreds]] if hundreds else []
    if rest >= 20:
        tens, units = divmod(rest, 10)
        parts.append(_SQ_TENS[tens])
        if units:
            parts.append(_SQ_BELOW_20[units])
    elif rest:
        parts.append(_SQ_BELOW_20[rest])
    return " e ".join(parts)


def _sq_words(n: int) -> str:
    if n == 0:
        return _SQ_BELOW_20[0]
    parts = []
    for value, singular, plural in _SQ_SCALES:
        count, n = divmod(n, value)
        if count:
            parts.append(f"{_sq_below_1000(count)} {singular if count == 1 else plural}")
    if n:
        parts.append(_sq_below_1000(n))
    return " e ".join(parts)


def _en_below_100(n: int) -> str:
    if n < 20:
        return _EN_BELOW_20[n]
    tens, units = divmod(n, 10)
    return _EN_TENS[tens] + (f"-{_EN_BELOW_20[units]}" if units else "")


def _en_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _en_below_100(rest)
    head = f"{_EN_BELOW_20[hundreds]} hundred"
    return f"{head} and {_en_below_100(rest)}" if rest else head


def _en_words(n: int) -> str:
    if n == 0:
        return _EN_BELOW_20[0]
    parts = []
    for value, name in _EN_SCALES:
        count, n = divmod(n, value)
        if count:
            parts.append(f"{_en_below_1000(count)} {name}")
    if n:
        parts.append(f"and {_en_below_100(n)}" if parts and n < 100 else _en_below_1000(n))
    return " ".join(parts)


_WORDS = {"sq": _sq_words, "en": _en_words}
_MINUS = {"sq": "minus", "en": "minus"}


def number_words(n: int, lang: Lang) -> str:
    """`n` in words in `lang`; negatives start with "minus". |n| may be at most `MAX_NUMBER`."""
    lang = check_lang(lang)
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"number_words needs an int, not {type(n).__name__}")
    if abs(n) > MAX_NUMBER:
        raise ValueError(f"{n} is outside ±{MAX_NUMBER}")
    words = _WORDS[lang](abs(n))
    return f"{_MINUS[lang]} {words}" if n < 0 else words


def english_ordinal(n: int) -> str:
    """The English ordinal of `n` > 0 in words: 1 "first", 22 "twenty-second", 30 "thirtieth"."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"an ordinal needs a positive int, not {n!r}")
    words = number_words(n, "en")
    cut = max(words.rfind(" "), words.rfind("-")) + 1
    head, last = words[:cut], words[cut:]
    if last in _EN_IRREGULAR_ORDINALS:
        return head + _EN_IRREGULAR_ORDINALS[last]
    if last.endswith("y"):
        return f"{head}{last[:-1]}ieth"
    return f"{head}{last}th"
