"""Clock times (of a card transaction, say) as the assistant says and writes them.

Written: 24-hour "14:05" in both languages.
Albanian speaks the 24-hour time with "ora" and counts the minutes after "dhe", so that the hour
and the minutes stay apart when both are compounds ("ora njëzet e tre dhe pesëdhjetë e nëntë
minuta"): "ora katërmbëdhjetë dhe pesë minuta", "ora tetë dhe një minutë", "ora nëntë" on the hour,
"ora zero" at midnight.
English speaks the 12-hour time with the part of the day, as a British speaker would:
"two oh five in the afternoon", "nine o'clock in the morning";
00:00 is "midnight" and 12:00 is "twelve noon".
"""

from __future__ import annotations

from datetime import time

from bot.i18n.lang import Lang, check_lang
from bot.i18n.numbers import number_words

# (first hour, words) for the English part of the day, latest first.
_EN_PARTS_OF_DAY = (
    (18, "in the evening"),
    (12, "in the afternoon"),
    (5, "in the morning"),
    (0, "at night"),
)


def _say_sq(t: time) -> str:
    hour = f"ora {number_words(t.hour, 'sq')}"
    if not t.minute:
        return hour
    unit = "minutë" if t.minute == 1 else "minuta"
    return f"{hour} dhe {number_words(t.minute, 'sq')} {unit}"


def _say_en(t: time) -> str:
    if (t.hour, t.minute) == (0, 0):
        return "midnight"
    if (t.hour, t.minute) == (12, 0):
        return "twelve noon"
    hour = number_words(t.hour % 12 or 12, "en")
    if not t.minute:
        clock = f"{hour} o'clock"
    elif t.minute < 10:
        clock = f"{hour} oh {number_words(t.minute, 'en')}"
    else:
        clock = f"{hour} {number_words(t.minute, 'en')}"
    part = next(words for first, words in _EN_PARTS_OF_DAY if t.hour >= first)
    return f"{clock} {part}"


def say_time(t: time, lang: Lang) -> str:
    """The time of day in words for text-to-speech (seconds are not read)."""
    return _say_sq(t) if check_lang(lang) == "sq" else _say_en(t)


def write_time(t: time, lang: Lang) -> str:
    """The time of day for chat: "14:05" (24-hour, both languages)."""
    check_lang(lang)
    return f"{t.hour:02d}:{t.minute:02d}"
