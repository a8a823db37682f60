"""Keypad digit strings: `#` or the expected length ends them, `*` cancels, timeouts; the digits
never show in a repr (and so in a log line)."""

from __future__ import annotations

import pytest

from bot.voice.digit_collector import DigitCollector, DigitResult


def feed_all(
    collector: DigitCollector, keys: str, start: float = 0.0, gap: float = 0.5
) -> DigitResult | None:
    result = None
    for i, key in enumerate(keys):
        result = collector.feed(key, start + (i + 1) * gap)
    return result


def test_hash_ends_a_string_of_any_length() -> None:
    collector = DigitCollector(started_at=0.0)
    assert feed_all(collector, "12345") is None
    result = collector.feed("#", 3.0)
    assert result is not None and result.complete
    assert (result.digits, result.ended_by) == ("12345", "#")
    assert collector.feed("6", 3.1) is None  # after the end keys are not taken
    assert collector.result is result


def test_expected_length_ends_without_hash() -> None:
    collector = DigitCollector(started_at=0.0, length=4)
    result = feed_all(collector, "2580")
    assert result is not None and (result.status, result.ended_by, result.digits) == (
        "complete",
        "length",
        "2580",
    )


def test_hash_before_the_length_ends_early() -> None:
    collector = DigitCollector(started_at=0.0, length=16)
    result = feed_all(collector, "4111#")
    assert result is not None and (result.digits, result.ended_by) == ("4111", "#")


def test_star_cancels_and_forgets() -> None:
    collector = DigitCollector(started_at=0.0, length=4)
    result = feed_all(collector, "12*")
    assert result is not None and (result.status, result.digits) == ("cancelled", "")


def test_first_digit_timeout() -> None:
    collector = DigitCollector(started_at=10.0, first_digit_timeout=5.0)
    assert collector.deadline == 15.0
    assert collector.poll(14.9) is None
    result = collector.poll(15.0)
    assert result is not None and (result.status, result.ended_by, result.digits) == (
        "timeout",
        "first-digit timeout",
        "",
    )
    assert collector.deadline is None


def test_inter_digit_timeout_keeps_what_was_typed() -> None:
    collector = DigitCollector(started_at=0.0, first_digit_timeout=5.0, inter_digit_timeout=3.0)
    collector.feed("1", 4.0)  # before the first-digit deadline
    collector.feed("2", 6.5)  # the deadline moved to 4.0 + 3.0
    assert collector.deadline == 9.5
    assert collector.poll(9.4) is None
    result = collector.poll(9.5)
    assert result is not None and (result.status, result.ended_by, result.digits) == (
        "timeout",
        "inter-digit timeout",
        "12",
    )


def test_a_key_after_the_deadline_does_not_count() -> None:
    collector = DigitCollector(started_at=0.0, inter_digit_timeout=3.0, length=4)
    collector.feed("1", 1.0)
    result = collector.feed("2", 4.5)  # arrived late: the timeout had already ended it
    assert result is not None and (result.status, result.digits) == ("timeout", "1")
    assert collector.feed("3", 4.6) is None and collector.result is result


def test_max_length_bounds_an_unterminated_string() -> None:
    collector = DigitCollector(started_at=0.0, max_length=6)
    feed_all(collector, "1234567")
    result = collector.result
    assert result is not None and (result.digits, result.ended_by) == ("123456", "length")


def test_fourth_column_keys_are_ignored_and_others_refused() -> None:
    collector = DigitCollector(started_at=0.0, length=2)
    assert collector.feed("A", 0.1) is None
    assert collector.count == 0
    with pytest.raises(ValueError):
        collector.feed("x", 0.2)
    with pytest.raises(ValueError):
        collector.feed("12", 0.2)


def test_digits_never_appear_in_a_repr() -> None:
    collector = DigitCollector(started_at=0.0, length=4)
    feed_all(collector, "739")
    assert "739" not in repr(collector) and "3 digits" in repr(collector)
    result = collector.feed("1", 2.5)
    assert result is not None and result.digits == "7391"
    for text in (repr(result), str(result), f"{result!r} {collector!r}"):
        assert not any(digit in text for digit in "7391"), text
    assert "••••" in repr(result)
