"""Helpers the end-to-end tests share: free ports, a conversation over Rasa's REST channel."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.config import PROJECT_ROOT
from bot.ops.stack import free_port
from bot.security.trust import signed_caller_metadata

__all__ = ["Conversation", "free_port", "run_bot"]


def run_bot(*args: str, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` as an operator runs it; output captured, exit status not checked."""
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


@dataclass
class Conversation:
    """One conversation with the running assistant, as a caller (signed caller ID) or web user."""

    rasa_url: str
    trust_key: bytes | None = None
    caller_id: str | None = None
    sender: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex}")
    replies: list[dict[str, Any]] = field(default_factory=list)

    def metadata(self) -> dict[str, Any]:
        if self.trust_key is None:
            return {}
        return signed_caller_metadata(self.trust_key, self.sender, self.caller_id)

    def say(self, text: str) -> list[dict[str, Any]]:
        body = json.dumps({"sender": self.sender, "message": text,
                           "metadata": self.metadata()}).encode()
        request = urllib.request.Request(  # noqa: S310 (http on loopback)
            f"{self.rasa_url}/webhooks/rest/webhook", data=body,
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            self.replies = json.loads(response.read())
        return self.replies

    def text(self) -> str:
        """Everything the assistant wrote in its last turn, joined."""
        return "\n".join(reply.get("text", "") for reply in self.replies if reply.get("text"))

    def custom(self, key: str) -> dict[str, Any] | None:
        """The last custom payload of the last turn that carries `key`."""
        found = [reply["custom"][key] for reply in self.replies
                 if isinstance(reply.get("custom"), dict) and key in reply["custom"]]
        return found[-1] if found else None

    def buttons(self) -> list[str]:
        return [button["title"] for reply in self.replies for button in reply.get("buttons", [])]
