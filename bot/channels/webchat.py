"""The web chat channel: Rasa's socket.io channel, plus the widget page the Rasa server serves.

`WebChatInput` is Rasa's `SocketIOInput` (socket.io on its usual path, `/socket.io`) with three
differences, all for the widget in `bot/webchat/`:

- its blueprint also serves the page at `/webchat/`: `index.html`, the widget's script and style,
  and the socket.io browser client installed by npm into `node_modules/` (never a CDN);
- each bot response goes to the browser as one event carrying its text, buttons and custom
  payload together (Rasa's socket.io output sends buttons as `quick_replies` and passes a custom
  payload to `emit()` as keyword arguments, which breaks on our `{"menu": ...}` payloads);
- the browser's metadata is dropped, except the language: web users have no caller ID, so the
  unregistered-caller rules apply to them whatever the page sends;
- a web conversation id is made by the server (`web-` + 32 hex digits), and a message for any
  other id is dropped, so a page can only ever continue a web conversation.

Two incompatibilities of Rasa 3.6's socket.io channel with the pinned libraries are handled here:
python-socketio 5's `AsyncServer.enter_room` is a coroutine that Rasa's `session_request` handler
does not await (the browser would never join its conversation's room, so it would receive no
replies), and Sanic 21.12's WebSocket implementation fails on Python 3.11 (`asyncio.wait` with
bare coroutines). So `session_request` is handled here, and the server offers long-polling only.
"""

from __future__ import annotations

import html
import inspect
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.config import PROJECT_ROOT

logger = logging.getLogger(__name__)

PAGE_PREFIX = "/webchat"
WIDGET_DIR = Path(__file__).resolve().parent.parent / "webchat"
SOCKET_IO_CLIENT = PROJECT_ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"

# URL name under /webchat/ -> (file, content type). Only these are served: no directory listing,
# no path from the request ever reaches the file system.
ASSETS: Mapping[str, tuple[Path, str]] = {
    "widget.js": (WIDGET_DIR / "widget.js", "text/javascript; charset=utf-8"),
    "widget.css": (WIDGET_DIR / "widget.css", "text/css; charset=utf-8"),
    "socket.io.min.js": (SOCKET_IO_CLIENT, "text/javascript; charset=utf-8"),
}

# Everything the page loads comes from this server (no CDN, even by mistake); `connect-src
# 'self'` allows the page's own socket.io connection.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

# Metadata a web page may send with a message. Anything else (a claimed caller ID above all) is
# dropped here; the action server would refuse an unsigned caller ID anyway (bot/security/trust.py).
WEB_METADATA_KEYS = frozenset({"language"})

WEB_SESSION_PREFIX = "web-"
WEB_SESSION = re.compile(r"web-[0-9a-f]{32}")


def web_session_id(requested: Any) -> str:
    """The conversation a browser continues: the one it asks for if it is a web conversation id,
    else a new one."""
    if isinstance(requested, str) and WEB_SESSION.fullmatch(requested):
        return requested
    return f"{WEB_SESSION_PREFIX}{uuid.uuid4().hex}"


def web_metadata(metadata: Any) -> dict[str, Any]:
    """The part of a browser's message metadata the assistant may use."""
    if not isinstance(metadata, Mapping):
        return {}
    return {
        key: value
        for key, value in metadata.items()
        if key in WEB_METADATA_KEYS and isinstance(value, str)
    }


def bot_event(message: Mapping[str, Any]) -> dict[str, Any]:
    """One bot response as the widget receives it: text, buttons and custom payload together."""
    event: dict[str, Any] = {}
    if message.get("text"):
        event["text"] = message["text"]
    buttons = message.get("buttons") or message.get("quick_replies") or []
    if buttons:
        event["buttons"] = [
            {"title": button.get("title", ""), "payload": button.get("payload", "")}
            for button in buttons
        ]
    for key in ("custom", "image", "attachment"):
        if message.get(key):
            event[key] = message[key]
    return event


class WebChatOutput(SocketIOOutput):
    """Sends each bot response to the conversation's socket.io room as one event."""

    @classmethod
    def name(cls) -> str:
        return WebChatInput.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        event = bot_event(message)
        if event:
            await self._send_message(recipient_id, event)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class WebChatBlueprint(Blueprint):
    """Rasa's socket.io blueprint, registered as Rasa registers it, plus the page at /webchat/.

    Rasa mounts a channel's blueprint under `/webhooks/<channel>/`; the page lives outside that
    prefix so that its address is short, hence a blueprint of its own registered alongside.
    """

    def __init__(self, socket_blueprint: Blueprint, page: str) -> None:
        super().__init__("webchat_page", url_prefix=PAGE_PREFIX)
        self.ctx.socket_blueprint = socket_blueprint

        async def redirect_to_page(_: Request) -> HTTPResponse:
            return response.redirect(f"{PAGE_PREFIX}/")

        async def index(_: Request) -> HTTPResponse:
            return response.html(page, headers=PAGE_HEADERS)

        async def asset(_: Request, name: str) -> HTTPResponse:
            found = ASSETS.get(name)
            if found is None or not found[0].is_file():
                return response.text("not found", status=404)
            path, content_type = found
            return await response.file(path, mime_type=content_type, headers=PAGE_HEADERS)

        self.add_route(redirect_to_page, "", methods=["GET"], strict_slashes=True)
        self.add_route(index, "/", methods=["GET"], strict_slashes=True)
        self.add_route(asset, "/<name:str>", methods=["GET"])

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        app.blueprint(self.ctx.socket_blueprint, **options)
        super().register(app, {**options, "url_prefix": PAGE_PREFIX})


class WebChatInput(SocketIOInput):
    """Rasa's socket.io channel for the web chat widget; also serves the widget page."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return super().get_output_channel()
        return WebChatOutput(self.sio, self.bot_message_evt)

    def page(self) -> str:
        """index.html with this channel's socket.io path and event names filled in."""
        settings = {
            "socket_path": self.socketio_path or "/socket.io",
            "user_event": self.user_message_evt,
            "bot_event": self.bot_message_evt,
        }
        page = (WIDGET_DIR / "index.html").read_text(encoding="utf-8")
        for key, value in settings.items():
            page = page.replace("{{" + key + "}}", html.escape(value, quote=True))
        return page

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        if not SOCKET_IO_CLIENT.is_file():
            logger.warning(
                "web chat: %s is missing; run scripts/setup.sh (npm ci)", SOCKET_IO_CLIENT
            )

        async def from_web_user(message: UserMessage) -> None:
            if self.session_persistence and not WEB_SESSION.fullmatch(message.sender_id or ""):
                logger.warning(
                    "web chat: message for a conversation that is not a web chat's was dropped"
                )
                return
            message.metadata = web_metadata(message.metadata)
            if self.sio is not None:
                message.output_channel = WebChatOutput(self.sio, self.bot_message_evt)
            await on_new_message(message)

        socket_blueprint = super().blueprint(from_web_user)
        sio = self.sio
        assert sio is not None, "SocketIOInput.blueprint() makes the socket.io server"
        sio.eio.transports = ["polling"]  # no WebSocket: Sanic 21.12's fails on Python 3.11

        # Replaces Rasa's handler, which does not await `enter_room` (a coroutine in
        # python-socketio 5) and accepts any conversation id.
        async def session_request(sid: str, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, Mapping) else None
            session_id = web_session_id(requested)
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        sio.on("session_request", handler=session_request, namespace=self.namespace)
        return WebChatBlueprint(socket_blueprint, self.page())
