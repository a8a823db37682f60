"""At most a few messages of one conversation at once (issue 11: one client cannot pile up work).

Rasa serves a conversation's messages one at a time: each waits for a ticket, polling every
second, and a ticket expires after a minute, after which its message is never served. So 75
messages sent at once on one conversation keep 75 requests open for minutes and most get no
answer. A customer sends one message and waits for the answer (a double click makes two, a
client that does not wait a few more); the channels admit `MAX_IN_FLIGHT` messages per
conversation, few enough that each is served long before its ticket expires (about a second
each), and answer the rest at once, in the conversation's language, with "one message at a
time".

Pure state, no I/O: the channel enters before handing a message on and leaves when it is done.
"""

from __future__ import annotations

MAX_IN_FLIGHT = 10  # the message being answered and nine waiting (per Rasa server process)
ONE_AT_A_TIME = {
    "sq": "Ju lutemi prisni përgjigjen time përpara se të dërgoni një mesazh tjetër.",
    "en": "Please wait for my answer before sending another message.",
}


class InFlight:
    """How many messages of each conversation are being handled; bounded by `limit`."""

    def __init__(self, limit: int = MAX_IN_FLIGHT) -> None:
        self.limit = limit
        self._count: dict[str, int] = {}

    def enter(self, conversation: str) -> bool:
        """Take a place for one more message of `conversation`; False if it has `limit`."""
        count = self._count.get(conversation, 0)
        if count >= self.limit:
            return False
        self._count[conversation] = count + 1
        return True

    def leave(self, conversation: str) -> None:
        """The message entered for `conversation` is done (answered or failed)."""
        count = self._count.get(conversation, 0) - 1
        if count > 0:
            self._count[conversation] = count
        else:
            self._count.pop(conversation, None)

    def __len__(self) -> int:
        return len(self._count)
