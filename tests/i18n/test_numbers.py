"""Whole numbers in words, Albanian and English."""

from __future__ import annotations

import random

import pytest

from bot.i18n.numbers import MAX_NUMBER, english_ordinal, number_words

CASES = [
    (0, "zero", "zero"),
    (1, "një", "one"),
    (2, "dy", "two"),
    (3, "tre", "three"),
    (4, "katër", "four"),
    (5, "pesë", "five"),
    (6, "gjashtë", "six"),
    (7, "shtatë", "seven"),
    (8, "tetë", "eight"),
    (9, "nëntë", "nine"),
    (10, "dhjetë", "ten"),
    (11, "njëmbëdhjetë", "eleven"),
    (12, "dymbëdhjetë", "twelve"),
    (13, "trembëdhjetë", "thirteen"),
    (14, "katërmbëdhjetë", "fourteen"),
    (15, "pesëmbëdhjetë", "fifteen"),
    (16, "gjashtëmbëdhjetë", "sixteen"),
    (17, "shtatëmbëdhjetë", "seventeen"),
    (18, "tetëmbëdhjetë", "eighteen"),
    (19, "nëntëmbëdhjetë", "nineteen"),
    (20, "njëzet", "twenty"),
    (21, "njëzet e një", "twenty-one"),
    (30, "tridhjetë", "thirty"),
    (40, "dyzet", "forty"),
    (45, "dyzet e pesë", "forty-five"),
    (50, "pesëdhjetë", "fifty"),
    (60, "gjashtëdhjetë", "sixty"),
    (70, "shtatëdhjetë", "seventy"),
    (80, "tetëdhjetë", "eighty"),
    (90, "nëntëdhjetë", "ninety"),
    (99, "nëntëdhjetë e nëntë", "ninety-nine"),
    (100, "njëqind", "one hundred"),
    (101, "njëqind e një", "one hundred and one"),
    (110, "njëqind e dhjetë", "one hundred and ten"),
    (115, "njëqind e pesëmbëdhjetë", "one hundred and fifteen"),
    (121, "njëqind e njëzet e një", "one hundred and twenty-one"),
    (200, "dyqind", "two hundred"),
    (300, "treqind", "three hundred"),
    (400, "katërqind", "four hundred"),
    (500, "pesëqind", "five hundred"),
    (600, "gjashtëqind", "six hundred"),
    (700, "shtatëqind", "seven hundred"),
    (800, "tetëqind", "eight hundred"),
    (900, "nëntëqind", "nine hundred"),
    (999, "nëntëqind e nëntëdhjetë e nëntë", "nine hundred and ninety-nine"),
    (1000, "një mijë", "one thousand"),
    (1001, "një mijë e një", "one thousand and one"),
    (1005, "një mijë e pesë", "one thousand and five"),
    (1100, "një mijë e njëqind", "one thousand one hundred"),
    (
        1999,
        "një mijë e nëntëqind e nëntëdhjetë e nëntë",
        "one thousand nine hundred and ninety-nine",
    ),
    (2000, "dy mijë", "two thousand"),
    (2026, "dy mijë e njëzet e gjashtë", "two thousand and twenty-six"),
    (2350, "dy mijë e treqind e pesëdhjetë", "two thousand three hundred and fifty"),
    (10_000, "dhjetë mijë", "ten thousand"),
    (11_000, "njëmbëdhjetë mijë", "eleven thousand"),
    (21_000, "njëzet e një mijë", "twenty-one thousand"),
    (100_000, "njëqind mijë", "one hundred thousand"),
    (101_000, "njëqind e një mijë", "one hundred and one thousand"),
    (
        999_999,
        "nëntëqind e nëntëdhjetë e nëntë mijë e nëntëqind e nëntëdhjetë e nëntë",
        "nine hundred and ninety-nine thousand nine hundred and ninety-nine",
    ),
    (1_000_000, "një milion", "one million"),
    (1_000_021, "një milion e njëzet e një", "one million and twenty-one"),
    (1_001_000, "një milion e një mijë", "one million one thousand"),
    (2_000_000, "dy milionë", "two million"),
    (21_000_000, "njëzet e një milionë", "twenty-one million"),
    (
        1_234_567,
        "një milion e dyqind e tridhjetë e katër mijë e pesëqind e gjashtëdhjetë e shtatë",
        "one million two hundred and thirty-four thousand five hundred and sixty-seven",
    ),
    (1_000_000_000, "një miliard", "one billion"),
    (2_500_000_000, "dy miliardë e pesëqind milionë", "two billion five hundred million"),
    (
        MAX_NUMBER,
        "nëntëqind e nëntëdhjetë e nëntë miliardë e nëntëqind e nëntëdhjetë e nëntë milionë"
        " e nëntëqind e nëntëdhjetë e nëntë mijë e nëntëqind e nëntëdhjetë e nëntë",
        "nine hundred and ninety-nine billion nine hundred and ninety-nine million"
        " nine hundred and ninety-nine thousand nine hundred and ninety-nine",
    ),
    (-1, "minus një", "minus one"),
    (-21, "minus njëzet e një", "minus twenty-one"),
    (-2350, "minus dy mijë e treqind e pesëdhjetë", "minus two thousand three hundred and fifty"),
]


@pytest.mark.parametrize(("n", "sq", "en"), CASES, ids=[str(c[0]) for c in CASES])
def test_number_words(n: int, sq: str, en: str) -> None:
    assert number_words(n, "sq") == sq
    assert number_words(n, "en") == en


@pytest.mark.parametrize("n", [MAX_NUMBER + 1, -MAX_NUMBER - 1, 10**15])
def test_out_of_range(n: int) -> None:
    with pytest.raises(ValueError):
        number_words(n, "sq")


@pytest.mark.parametrize("bad", [1.0, "12", True, None])
def test_only_ints(bad: object) -> None:
    with pytest.raises(TypeError):
        number_words(bad, "en")  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["de", "SQ", "", "al"])
def test_unknown_language(lang: str) -> None:
    with pytest.raises(ValueError):
        number_words(5, lang)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("n", "ordinal"),
    [
        (1, "first"),
        (2, "second"),
        (3, "third"),
        (4, "fourth"),
        (5, "fifth"),
        (8, "eighth"),
        (9, "ninth"),
        (11, "eleventh"),
        (12, "twelfth"),
        (13, "thirteenth"),
        (20, "twentieth"),
        (21, "twenty-first"),
        (22, "twenty-second"),
        (23, "twenty-third"),
        (29, "twenty-ninth"),
        (30, "thirtieth"),
        (31, "thirty-first"),
        (100, "one hundredth"),
        (101, "one hundred and first"),
    ],
)
def test_english_ordinal(n: int, ordinal: str) -> None:
    assert english_ordinal(n) == ordinal


# Independent readers of the words back into numbers: a different algorithm from the one under
# test (accumulate, multiply on scale words), so a wrong table entry or join shows up as a
# mismatch over many random numbers.
_SQ_VALUES = {
    "zero": 0, "një": 1, "dy": 2, "tre": 3, "katër": 4, "pesë": 5, "gjashtë": 6, "shtatë": 7,
    "tetë": 8, "nëntë": 9, "dhjetë": 10, "njëmbëdhjetë": 11, "dymbëdhjetë": 12,
    "trembëdhjetë": 13, "katërmbëdhjetë": 14, "pesëmbëdhjetë": 15, "gjashtëmbëdhjetë": 16,
    "shtatëmbëdhjetë": 17, "tetëmbëdhjetë": 18, "nëntëmbëdhjetë": 19, "njëzet": 20,
    "tridhjetë": 30, "dyzet": 40, "pesëdhjetë": 50, "gjashtëdhjetë": 60, "shtatëdhjetë": 70,
    "tetëdhjetë": 80, "nëntëdhjetë": 90, "njëqind": 100, "dyqind": 200, "treqind": 300,
    "katërqind": 400, "pesëqind": 500, "gjashtëqind": 600, "shtatëqind": 700, "tetëqind": 800,
    "nëntëqind": 900,
}  # fmt: skip
_SQ_SCALES = {"mijë": 10**3, "milion": 10**6, "milionë": 10**6, "miliard": 10**9, "miliardë": 10**9}
_EN_VALUES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_EN_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9}


def _read_sq(words: str) -> int:
    total = current = 0
    sign = 1
    for word in words.split():
        if word == "minus":
            sign = -1
        elif word == "e":
            continue
        elif word in _SQ_SCALES:
            total += current * _SQ_SCALES[word]
            current = 0
        else:
            current += _SQ_VALUES[word]
    return sign * (total + current)


def _read_en(words: str) -> int:
    total = current = 0
    sign = 1
    for word in words.replace("-", " ").split():
        if word == "minus":
            sign = -1
        elif word == "and":
            continue
        elif word == "hundred":
            current *= 100
        elif word in _EN_SCALES:
            total += current * _EN_SCALES[word]
            current = 0
        else:
            current += _EN_VALUES[word]
    return sign * (total + current)


def _random_numbers(seed: int, count: int) -> list[int]:
    rng = random.Random(seed)
    numbers = []
    for _ in range(count):
        digits = rng.randint(1, 12)
        numbers.append(rng.randint(-(10**digits) + 1, 10**digits - 1))
    return numbers


def test_words_read_back() -> None:
    numbers = _random_numbers(seed=2026, count=3000) + [0, MAX_NUMBER, -MAX_NUMBER]
    for n in numbers:
        sq, en = number_words(n, "sq"), number_words(n, "en")
        assert _read_sq(sq) == n, sq
        assert _read_en(en) == n, en
        # "e" / "and" join parts: never first, last or doubled.
        assert not sq.startswith("e ") and not sq.endswith(" e") and " e e " not in sq, sq
        assert " and and " not in en and not en.endswith(" and"), en
        # Zero is only ever said on its own ("zero mijë" would be wrong).
        assert n == 0 or "zero" not in sq + en
