"""At most a few messages of one conversation at once (bot/channels/in_flight.py)."""

from __future__ import annotations

from bot.channels.in_flight import InFlight


def test_a_conversation_gets_limit_places_and_each_leave_frees_one() -> None:
    flight = InFlight(limit=2)
    assert flight.enter("a") and flight.enter("a")
    assert not flight.enter("a")
    assert flight.enter("b")  # another conversation is not held up
    flight.leave("a")
    assert flight.enter("a") and not flight.enter("a")
    for _ in range(2):
        flight.leave("a")
    flight.leave("b")
    assert len(flight) == 0  # nothing is kept for a conversation with nothing in flight
