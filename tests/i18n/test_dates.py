"""Dates and clock times spoken (text-to-speech) and written (web chat) in Albanian and English."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest

from bot.i18n.dates import month_name, say_date, write_date
from bot.i18n.times import say_time, write_time

DATES = [
    # date, sq spoken, en spoken, sq written, en written
    (
        date(2026, 11, 22),
        "njëzet e dy nëntor dy mijë e njëzet e gjashtë",
        "the twenty-second of November, two thousand and twenty-six",
        "22 nëntor 2026",
        "22 November 2026",
    ),
    (
        date(2026, 1, 1),
        "një janar dy mijë e njëzet e gjashtë",
        "the first of January, two thousand and twenty-six",
        "1 janar 2026",
        "1 January 2026",
    ),
    (
        date(2025, 12, 31),
        "tridhjetë e një dhjetor dy mijë e njëzet e pesë",
        "the thirty-first of December, two thousand and twenty-five",
        "31 dhjetor 2025",
        "31 December 2025",
    ),
    (
        date(2028, 2, 29),
        "njëzet e nëntë shkurt dy mijë e njëzet e tetë",
        "the twenty-ninth of February, two thousand and twenty-eight",
        "29 shkurt 2028",
        "29 February 2028",
    ),
    (
        date(2026, 3, 2),
        "dy mars dy mijë e njëzet e gjashtë",
        "the second of March, two thousand and twenty-six",
        "2 mars 2026",
        "2 March 2026",
    ),
    (
        date(2026, 4, 3),
        "tre prill dy mijë e njëzet e gjashtë",
        "the third of April, two thousand and twenty-six",
        "3 prill 2026",
        "3 April 2026",
    ),
    (
        date(2026, 5, 11),
        "njëmbëdhjetë maj dy mijë e njëzet e gjashtë",
        "the eleventh of May, two thousand and twenty-six",
        "11 maj 2026",
        "11 May 2026",
    ),
    (
        date(2026, 6, 12),
        "dymbëdhjetë qershor dy mijë e njëzet e gjashtë",
        "the twelfth of June, two thousand and twenty-six",
        "12 qershor 2026",
        "12 June 2026",
    ),
    (
        date(2026, 7, 13),
        "trembëdhjetë korrik dy mijë e njëzet e gjashtë",
        "the thirteenth of July, two thousand and twenty-six",
        "13 korrik 2026",
        "13 July 2026",
    ),
    (
        date(2026, 8, 20),
        "njëzet gusht dy mijë e njëzet e gjashtë",
        "the twentieth of August, two thousand and twenty-six",
        "20 gusht 2026",
        "20 August 2026",
    ),
    (
        date(2026, 9, 30),
        "tridhjetë shtator dy mijë e njëzet e gjashtë",
        "the thirtieth of September, two thousand and twenty-six",
        "30 shtator 2026",
        "30 September 2026",
    ),
    (
        date(2026, 10, 23),
        "njëzet e tre tetor dy mijë e njëzet e gjashtë",
        "the twenty-third of October, two thousand and twenty-six",
        "23 tetor 2026",
        "23 October 2026",
    ),
    (
        date(2000, 1, 1),
        "një janar dy mijë",
        "the first of January, two thousand",
        "1 janar 2000",
        "1 January 2000",
    ),
    (
        date(2009, 12, 31),
        "tridhjetë e një dhjetor dy mijë e nëntë",
        "the thirty-first of December, two thousand and nine",
        "31 dhjetor 2009",
        "31 December 2009",
    ),
    (
        date(2010, 1, 1),
        "një janar dy mijë e dhjetë",
        "the first of January, two thousand and ten",
        "1 janar 2010",
        "1 January 2010",
    ),
    # Years before 2000 (a date of birth): English reads them in pairs.
    (
        date(1999, 12, 31),
        "tridhjetë e një dhjetor një mijë e nëntëqind e nëntëdhjetë e nëntë",
        "the thirty-first of December, nineteen ninety-nine",
        "31 dhjetor 1999",
        "31 December 1999",
    ),
    (
        date(1985, 7, 4),
        "katër korrik një mijë e nëntëqind e tetëdhjetë e pesë",
        "the fourth of July, nineteen eighty-five",
        "4 korrik 1985",
        "4 July 1985",
    ),
    (
        date(1905, 3, 8),
        "tetë mars një mijë e nëntëqind e pesë",
        "the eighth of March, nineteen oh five",
        "8 mars 1905",
        "8 March 1905",
    ),
    (
        date(1900, 5, 9),
        "nëntë maj një mijë e nëntëqind",
        "the ninth of May, nineteen hundred",
        "9 maj 1900",
        "9 May 1900",
    ),
]


@pytest.mark.parametrize(
    ("d", "sq_said", "en_said", "sq_written", "en_written"), DATES, ids=[str(c[0]) for c in DATES]
)
def test_dates(d: date, sq_said: str, en_said: str, sq_written: str, en_written: str) -> None:
    assert say_date(d, "sq") == sq_said
    assert say_date(d, "en") == en_said
    assert write_date(d, "sq") == sq_written
    assert write_date(d, "en") == en_written


def test_month_names() -> None:
    assert [month_name(m, "sq") for m in range(1, 13)] == [
        "janar", "shkurt", "mars", "prill", "maj", "qershor",
        "korrik", "gusht", "shtator", "tetor", "nëntor", "dhjetor",
    ]  # fmt: skip
    assert [month_name(m, "en") for m in range(1, 13)] == [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        month_name(13, "sq")


def test_a_datetime_is_read_as_its_date() -> None:
    moment = datetime(2026, 11, 22, 14, 5)
    assert write_date(moment, "sq") == "22 nëntor 2026"
    assert say_date(moment, "en") == "the twenty-second of November, two thousand and twenty-six"


def test_every_day_of_two_years_is_speakable() -> None:
    """Every day, leap day included: words only, and day and month as written."""
    day = date(2027, 1, 1)
    while day < date(2029, 1, 1):
        for lang in ("sq", "en"):
            said = say_date(day, lang)
            assert re.fullmatch(r"[a-zA-Zë ,-]+", said), said
            assert month_name(day.month, lang) in said
            assert write_date(day, lang) == f"{day.day} {month_name(day.month, lang)} {day.year}"
        day += timedelta(days=1)


TIMES = [
    # time, sq spoken, en spoken, written
    (time(0, 0), "ora zero", "midnight", "00:00"),
    (time(0, 30), "ora zero dhe tridhjetë minuta", "twelve thirty at night", "00:30"),
    (time(4, 59), "ora katër dhe pesëdhjetë e nëntë minuta", "four fifty-nine at night", "04:59"),
    (time(5, 0), "ora pesë", "five o'clock in the morning", "05:00"),
    (time(8, 1), "ora tetë dhe një minutë", "eight oh one in the morning", "08:01"),
    (time(9, 15), "ora nëntë dhe pesëmbëdhjetë minuta", "nine fifteen in the morning", "09:15"),
    (time(11, 59, 59), "ora njëmbëdhjetë dhe pesëdhjetë e nëntë minuta",
     "eleven fifty-nine in the morning", "11:59"),
    (time(12, 0), "ora dymbëdhjetë", "twelve noon", "12:00"),
    (time(12, 10), "ora dymbëdhjetë dhe dhjetë minuta", "twelve ten in the afternoon", "12:10"),
    (time(14, 5), "ora katërmbëdhjetë dhe pesë minuta", "two oh five in the afternoon", "14:05"),
    (time(18, 0), "ora tetëmbëdhjetë", "six o'clock in the evening", "18:00"),
    (time(23, 59), "ora njëzet e tre dhe pesëdhjetë e nëntë minuta",
     "eleven fifty-nine in the evening", "23:59"),
]  # fmt: skip


@pytest.mark.parametrize(("t", "sq", "en", "written"), TIMES, ids=[str(c[0]) for c in TIMES])
def test_times(t: time, sq: str, en: str, written: str) -> None:
    assert say_time(t, "sq") == sq
    assert say_time(t, "en") == en
    assert write_time(t, "sq") == written
    assert write_time(t, "en") == written


def test_every_minute_is_speakable() -> None:
    for minute_of_day in range(24 * 60):
        t = time(*divmod(minute_of_day, 60))
        for lang in ("sq", "en"):
            said = say_time(t, lang)
            assert re.fullmatch(r"[a-zA-Zë '-]+", said), said


def test_current_year_is_not_read() -> None:
    today = date(2026, 12, 4)
    assert say_date(date(2026, 11, 30), "en", today) == "the thirtieth of November"
    assert say_date(date(2026, 11, 30), "sq", today) == "tridhjetë nëntor"
    assert say_date(date(2025, 11, 30), "en", today) == (
        "the thirtieth of November, two thousand and twenty-five")
    assert say_date(date(2025, 11, 30), "sq", today).endswith("dy mijë e njëzet e pesë")
    assert write_date(date(2026, 11, 30), "en") == "30 November 2026"
