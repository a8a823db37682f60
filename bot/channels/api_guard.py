"""The Rasa HTTP API held to the channels' text limit: no over-long text reaches NLU or a record.

The API (token-only, the operator's) takes texts that go straight to NLU (`/model/parse`,
`/conversations/<id>/messages`) or into a conversation's record (`/conversations/<id>/tracker/
events`, POST and PUT; `/model/predict`), bounded only by the 1 MB body limit: a 38 KB text to
`/model/parse` raised the server's memory by 5.5 GB (bench/RESULTS.md). So before any API route
runs (a Sanic request middleware, installed by the Rasa launcher `bot.ops.rasa_server`):

- a JSON body holding a message text longer than `MAX_MESSAGE_CHARS` (the channels' limit) is
  refused with 413: any `text` (a string, or Rasa's emulators' list of strings) at any depth,
  so a user event's and its `parse_data`'s too; what the assistant itself said (`"event":
  "bot"`) is not a message and is not checked;
- training and evaluation (`/model/train`, `/model/test/...`) are refused with 403: their
  bodies are training data whose every example goes to NLU, and a serving replica is no place to
  train (`bot train` does it offline).

The channels (`/webhooks/...`, `/webchat`, `/socket.io`, `/agent`) bound their own input, each with
an answer in the user's language; their bodies are not looked at here. A body that is not JSON
is left to the route, which answers it as Rasa does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.rest import MAX_MESSAGE_CHARS

# Routes by their pattern as Sanic matched it (no leading slash; `//x` or `/a/../x` match none).
CHANNEL_ROUTES = ("webhooks/", "webchat", "socket.io", "agent")
OFFLINE_ONLY = ("model/train", "model/test/")


@dataclass(frozen=True)
class Refusal:
    """Why an API request is refused, in Rasa's own error format."""

    status: int
    reason: str
    message: str

    def answer(self) -> HTTPResponse:
        return response.json({"version": None, "status": "failure", "reason": self.reason,
                              "message": self.message, "details": {}, "help": None,
                              "code": self.status}, status=self.status)


TEXT_TOO_LONG = Refusal(413, "TextTooLong",
                        f"A text is longer than {MAX_MESSAGE_CHARS} characters: the assistant "
                        f"reads at most {MAX_MESSAGE_CHARS} characters of one message.")
OFFLINE = Refusal(403, "NotOnThisServer",
                  "Training and evaluation are not served here: run `bot train` (and its "
                  "evaluation) offline, then load the model.")


def _texts(body: Any) -> Iterator[str]:
    """Every message text in a parsed JSON body (iteratively: any nesting the parser allowed)."""
    pending = [body]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict) and node.get("event") != "bot":
            text = node.get("text")
            if isinstance(text, str):
                yield text
            elif isinstance(text, list):
                yield from (item for item in text if isinstance(item, str))
            pending.extend(value for key, value in node.items() if key != "text")


def refusal(route: str, body: Any) -> Refusal | None:
    """Why a request for `route` (its pattern, e.g. `model/parse`) with the parsed JSON `body`
    must not reach the API, if it must not; None for the channels and anything within bounds."""
    if route.startswith(CHANNEL_ROUTES):
        return None
    if route.startswith(OFFLINE_ONLY):
        return OFFLINE
    if any(len(text) > MAX_MESSAGE_CHARS for text in _texts(body)):
        return TEXT_TOO_LONG
    return None


def _parsed_body(request: Request, route: str) -> Any:
    if not request.body or route.startswith(CHANNEL_ROUTES):
        return None
    try:
        return request.json
    except Exception:  # noqa: BLE001 (not JSON: the route answers it as Rasa does)
        return None


async def bound_api_request(request: Request) -> HTTPResponse | None:
    """Sanic request middleware: the refusal's answer, or None to let the route run (a path
    that matched no route gets Sanic's 404 anyway)."""
    if request.route is None:
        return None
    route = request.route.path.lstrip("/")
    found = refusal(route, _parsed_body(request, route))
    return found.answer() if found else None
