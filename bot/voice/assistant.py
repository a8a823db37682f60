"""The assistant (Rasa) as the voice layer reaches it: the voice channel, with signed caller ID.

    assistant = AssistantClient.from_env()           # one per process
    replies = await assistant.send(sender, "/greet", caller_id="+355694102031")
    await assistant.close()

The voice channel (bot/channels/voice.py) takes Rasa's REST request and returns each reply
whole (its text and custom payload in one item). Every message carries
`bot.security.trust.signed_message_metadata` (caller ID, timestamp and sequence number, signed
together with the message text), so the Rasa server lets it into the call's conversation, and
the action server believes the caller ID and words its replies for speech (`output_mode` =
voice). The HTTP session (and its connection pool) is made on first use and reused by every
conversation of the process.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.config import Settings
from bot.security.secret_keys import trust_key
from bot.security.trust import signed_message_metadata

Reply = dict[str, Any]


class AssistantError(RuntimeError):
    """The assistant could not be reached or did not answer properly."""


class AssistantClient:
    """Sends one caller's messages to the assistant's voice channel and returns the replies."""

    def __init__(self, rasa_url: str, trust_key: bytes, *, timeout: float = 30.0) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self._trust_key = trust_key
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._http: aiohttp.ClientSession | None = None

    @classmethod
    def from_env(cls, rasa_url: str | None = None, **options: Any) -> AssistantClient:
        """`BOT_RASA_URL` (or `rasa_url`) and the trust key shared with the action server."""
        settings = Settings.from_env()
        return cls(rasa_url or settings.rasa_url, trust_key(settings), **options)

    @property
    def webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/voice/webhook"

    async def send(
        self,
        sender: str,
        message: str,
        caller_id: str | None,
        *,
        extra_metadata: dict[str, Any] | None = None,
    ) -> list[Reply]:
        """`message` from conversation `sender`; the assistant's replies, in order.

        The message may be a PIN: it is never logged here.
        """
        metadata = {**(extra_metadata or {}),
                    **signed_message_metadata(self._trust_key, sender, caller_id, message)}
        body = {"sender": sender, "message": message, "metadata": metadata}
        try:
            async with self._session().post(self.webhook, json=body) as response:
                if response.status != 200:
                    raise AssistantError(f"assistant answered HTTP {response.status}")
                replies = await response.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            raise AssistantError(f"assistant unreachable: {type(error).__name__}") from error
        if not isinstance(replies, list):
            raise AssistantError("assistant answer is not a list of replies")
        return [reply for reply in replies if isinstance(reply, dict)]

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=self._timeout)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
