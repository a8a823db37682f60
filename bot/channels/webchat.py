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
- a web conversation id is made by the server (`web-` + 32 hex digits) together with a secret
  only the browser tab that began it holds (bot/channels/web_sessions.py); a socket continues a
  conversation only with that secret, and its messages go to the conversation it was bound to,
  never to an id named in the message; after `BOT_WEB_IDLE_SECONDS` idle the conversation is
  restarted (verification dropped) and the user is told;
- a message over `MAX_MESSAGE_CHARS` never reaches NLU: the user is told, in their language;
  so is a message beyond `in_flight.MAX_IN_FLIGHT` of one conversation at once;
- socket.io accepts only the page's own origin and the configured ones (`BOT_WEB_ORIGINS`);
- a hand-off goes on the agent desk (bot/agentdesk/, served alongside at `/agent/`); while it
  waits the user's and the assistant's lines go to its transcript, and while an agent holds the
  conversation the user's messages go to the agent, not to the assistant. Sessions and hand-offs
  are in the bank database (bot/bank/contact_center.py), so a restart loses neither; with
  `BOT_REDIS_HOST` set, socket.io events reach sockets on the other replicas
  (bot/channels/fanout.py).

Two incompatibilities of Rasa 3.6's socket.io channel with the pinned libraries are handled here:
python-socketio 5's `AsyncServer.enter_room` is a coroutine that Rasa's `session_request` handler
does not await (the browser would never join its conversation's room, so it would receive no
replies), and Sanic 21.12's WebSocket implementation fails on Python 3.11 (`asyncio.wait` with
bare coroutines). So `session_request` is handled here, and the server offers long-polling only.
"""

from __future__ import annotations

import asyncio
import html
import inspect
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.agentdesk.web import AgentDesk
from bot.bank.contact_center import ContactCenter, ensure_desk_schema
from bot.bank.db import make_engine, session_factory
from bot.bank.models import DeskSpeaker, HandoffStatus
from bot.channels.fanout import share_events
from bot.channels.in_flight import ONE_AT_A_TIME, InFlight
from bot.channels.web_sessions import SESSION_ID, Resumption, WebSessions
from bot.config import PROJECT_ROOT, Settings
from bot.payloads import HandoffPayload

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
    "embed.js": (WIDGET_DIR / "embed.js", "text/javascript; charset=utf-8"),
}

MAX_MESSAGE_CHARS = 1_000  # a real customer never types more in one message
MAX_SOCKET_PAYLOAD = 64 * 1024  # bytes per socket.io HTTP request; larger ones are refused
DEFAULT_IDLE_SECONDS = 5 * 60
TOO_LONG = {
    "sq": "Ky mesazh është shumë i gjatë për mua (mbi 1000 shkronja). "
    "Ju lutem shkruani një mesazh më të shkurtër.",
    "en": "That message is too long for me (over 1,000 characters). "
    "Please send a shorter one.",
}
RESTART = "/restart"


def web_origins() -> tuple[str, ...]:
    """Other sites allowed to embed the widget and open its socket.io connection: `BOT_WEB_ORIGINS`
    (comma separated, e.g. `https://www.bank.example`). The page's own origin is always allowed."""
    configured = getattr(Settings.from_env(), "web_origins", None)
    if configured is None:
        configured = os.environ.get("BOT_WEB_ORIGINS", "").split(",")
    return tuple(origin.strip().rstrip("/") for origin in configured if origin.strip())


def idle_seconds() -> float:
    """How long a web conversation may stay idle before verification is dropped."""
    try:
        return max(1.0, float(os.environ.get("BOT_WEB_IDLE_SECONDS", DEFAULT_IDLE_SECONDS)))
    except ValueError:
        return DEFAULT_IDLE_SECONDS


def page_headers(origins: tuple[str, ...]) -> dict[str, str]:
    """Everything the page loads comes from this server (no CDN, even by mistake); `connect-src
    'self'` allows the page's own socket.io connection; only the configured sites may frame it."""
    ancestors = " ".join(("'self'", *origins))
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self'; frame-ancestors {ancestors}; base-uri 'none'; "
            "form-action 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


PAGE_HEADERS = page_headers(())

# Metadata a web page may send with a message. Anything else (a claimed caller ID above all) is
# dropped here; the action server would refuse an unsigned caller ID anyway (bot/security/trust.py).
WEB_METADATA_KEYS = frozenset({"language"})

def language_of(metadata: Any, fallback: str = "sq") -> str:
    language = metadata.get("language") if isinstance(metadata, Mapping) else None
    return language if language in TOO_LONG else fallback


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


BotObserver = Callable[[str, dict[str, Any]], Awaitable[None]]


class WebChatOutput(SocketIOOutput):
    """Sends each bot response to the conversation's socket.io room as one event."""

    def __init__(self, sio: Any, bot_message_evt: str, observer: BotObserver | None = None):
        super().__init__(sio, bot_message_evt)
        self.observer = observer

    @classmethod
    def name(cls) -> str:
        return WebChatInput.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        event = bot_event(message)
        if event:
            await self._emit(recipient_id, event)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await self._emit(recipient_id, {"custom": json_message})

    async def _emit(self, recipient_id: str, event: dict[str, Any]) -> None:
        if self.observer is not None:
            await self.observer(recipient_id, event)
        await self._send_message(recipient_id, event)


class WebChatBlueprint(Blueprint):
    """Rasa's socket.io blueprint, registered as Rasa registers it, plus the page at /webchat/
    and the agent desk at /agent/.

    Rasa mounts a channel's blueprint under `/webhooks/<channel>/`; the page lives outside that
    prefix so that its address is short, hence a blueprint of its own registered alongside.
    """

    def __init__(self, socket_blueprint: Blueprint, page: str, headers: dict[str, str],
                 desk: AgentDesk) -> None:
        super().__init__("webchat_page", url_prefix=PAGE_PREFIX)
        self.ctx.socket_blueprint = socket_blueprint
        self.ctx.desk = desk

        async def redirect_to_page(_: Request) -> HTTPResponse:
            return response.redirect(f"{PAGE_PREFIX}/")

        async def index(_: Request) -> HTTPResponse:
            return response.html(page, headers=headers)

        async def asset(_: Request, name: str) -> HTTPResponse:
            found = ASSETS.get(name)
            if found is None or not found[0].is_file():
                return response.text("not found", status=404)
            path, content_type = found
            return await response.file(path, mime_type=content_type, headers=headers)

        self.add_route(redirect_to_page, "", methods=["GET"], strict_slashes=True)
        self.add_route(index, "/", methods=["GET"], strict_slashes=True)
        self.add_route(asset, "/<name:str>", methods=["GET"])

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        app.blueprint(self.ctx.socket_blueprint, **options)
        app.blueprint(self.ctx.desk.blueprint())
        app.ctx.agent_desk = self.ctx.desk  # the REST channel puts phone hand-offs on the desk
        super().register(app, {**options, "url_prefix": PAGE_PREFIX})


async def _db(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A database call off the event loop."""
    return await asyncio.to_thread(function, *args, **kwargs)


class WebChatInput(SocketIOInput):
    """Rasa's socket.io channel for the web chat widget; also serves the widget page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.origins = web_origins()
        engine = make_engine(Settings.from_env().database_url)
        ensure_desk_schema(engine)
        self.center = ContactCenter(session_factory(engine))
        self.sessions = WebSessions(self.center, idle_seconds())
        self.bound: dict[str, str] = {}  # socket.io sid -> the web conversation it may use
        self.in_flight = InFlight()

    @classmethod
    def name(cls) -> str:
        return "webchat"

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return super().get_output_channel()
        return WebChatOutput(self.sio, self.bot_message_evt, self._bot_said)

    async def _bot_said(self, session_id: str, event: dict[str, Any]) -> None:
        """Every bot response passes here: a hand-off goes on the agent desk; while one waits,
        the assistant's lines go to its transcript."""
        if not SESSION_ID.fullmatch(session_id):
            return
        custom = event.get("custom")
        handoff = HandoffPayload.from_dict(custom) if isinstance(custom, Mapping) else None
        now = time.time()
        if handoff is not None and handoff.id is not None:
            await _db(self.center.touch_web_session, session_id, now, handoff_id=handoff.id)
            await self.agent_desk.publish()
            return
        if not event.get("text"):
            return
        record = await _db(self.sessions.get, session_id)
        if record is None or record.handoff_id is None:
            return
        state = await _db(self.center.state, record.handoff_id)
        if state is not None and state[0] == HandoffStatus.OPEN.value:
            await _db(self.center.add_line, record.handoff_id, DeskSpeaker.ASSISTANT,
                      str(event["text"]), now)
            await self.agent_desk.publish()

    def page(self) -> str:
        """index.html with this channel's socket.io path and event names filled in."""
        settings = {
            "socket_path": self.socketio_path or "/socket.io",
            "user_event": self.user_message_evt,
            "bot_event": self.bot_message_evt,
            "idle_seconds": str(int(self.sessions.idle_seconds)),
            "max_chars": str(MAX_MESSAGE_CHARS),
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

        socket_blueprint = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None, "SocketIOInput.blueprint() makes the socket.io server"
        if share_events(sio):
            logger.info("web chat: socket.io events shared with the other replicas by Redis")
        sio.eio.transports = ["polling"]  # no WebSocket: Sanic 21.12's fails on Python 3.11
        # The page's own origin (Origin equal to Host) and the configured sites; Rasa's [] would
        # accept any origin.
        sio.eio.cors_allowed_origins = self._origin_allowed
        sio.eio.max_http_buffer_size = MAX_SOCKET_PAYLOAD
        namespace = self.namespace
        output = WebChatOutput(sio, self.bot_message_evt, self._bot_said)
        center = self.center

        async def enter(sid: str, room: str) -> None:
            joined = sio.enter_room(sid, room, namespace=namespace)
            if inspect.isawaitable(joined):
                await joined

        async def leave(sid: str, room: str) -> None:
            left = sio.leave_room(sid, room, namespace=namespace)
            if inspect.isawaitable(left):
                await left

        async def restart(session_id: str) -> None:
            """Restart the Rasa conversation (slots, verification, all gone); nothing is shown."""
            await on_new_message(
                UserMessage(RESTART, CollectingOutputChannel(), session_id,
                            input_channel=self.name())
            )

        async def to_session(session_id: str, event: str, data: Any) -> None:
            await sio.emit(event, data, room=session_id, namespace=namespace)

        async def bind(sid: str, language: str, reason: str | None = None) -> None:
            """A new conversation for this socket: its id and secret go to this socket only."""
            session = await _db(self.sessions.open, time.time(), language)
            await unbind(sid)
            self.bound[sid] = session.id
            await enter(sid, session.id)
            confirm = {"session_id": session.id, "secret": session.secret}
            if reason:
                confirm["reason"] = reason
            await sio.emit("session_confirm", confirm, room=sid, namespace=namespace)

        async def unbind(sid: str) -> str | None:
            session_id = self.bound.pop(sid, None)
            if session_id is not None:
                await leave(sid, session_id)
            return session_id

        async def end(session_id: str) -> None:
            """The conversation is over: restarted in Rasa, forgotten here; a hand-off it was
            in leaves the desk."""
            now = time.time()
            handoff_id = await _db(center.end_web_session, session_id)
            if handoff_id is not None and await _db(center.close, handoff_id, now):
                await self.agent_desk.publish()
            await restart(session_id)

        # Replaces Rasa's handler, which does not await `enter_room` (a coroutine in
        # python-socketio 5) and lets any socket join any conversation.
        async def session_request(sid: str, data: Any) -> None:
            data = data if isinstance(data, Mapping) else {}
            language = language_of(data)
            session_id, secret = data.get("session_id"), data.get("secret")
            answer = await _db(self.sessions.resume, session_id, secret, time.time())
            if answer is Resumption.RESUMED:
                await unbind(sid)
                self.bound[sid] = session_id
                await enter(sid, session_id)
                await sio.emit("session_confirm", {"session_id": session_id}, room=sid,
                               namespace=namespace)
                return
            if answer is Resumption.EXPIRED:
                await end(session_id)
            await bind(sid, language, "expired" if answer is Resumption.EXPIRED else None)

        async def to_agent(handoff_id: int, text: str, now: float) -> bool:
            """While a hand-off waits or is held, the customer's words go to its transcript;
            True while an agent holds it (then the assistant stays silent)."""
            state = await _db(center.state, handoff_id)
            if state is None or state[0] == HandoffStatus.CLOSED.value:
                return False
            if not text.startswith("/"):  # a button's payload is not something they said
                await _db(center.add_line, handoff_id, DeskSpeaker.CUSTOMER, text, now)
                await self.agent_desk.publish()
            return state[0] == HandoffStatus.TAKEN.value

        async def handle_message(sid: str, data: Any) -> None:
            data = data if isinstance(data, Mapping) else {}
            session_id = self.bound.get(sid)
            session = await _db(self.sessions.get, session_id) if session_id else None
            if session is None:
                await sio.emit("session_required", {}, room=sid, namespace=namespace)
                return
            metadata = web_metadata(data.get(self.metadata_key))
            language = language_of(metadata, session.language)
            now = time.time()
            if await _db(self.sessions.expired, session, now):
                await end(session.id)
                await bind(sid, language, "expired")
                return
            await _db(center.touch_web_session, session.id, now, language)
            text = data.get("message")
            if not isinstance(text, str) or not text.strip():
                return
            if len(text) > MAX_MESSAGE_CHARS:
                await output.send_response(session.id, {"text": TOO_LONG[language]})
                return
            if session.handoff_id is not None and await to_agent(session.handoff_id, text, now):
                return
            if not self.in_flight.enter(session.id):
                await output.send_response(session.id, {"text": ONE_AT_A_TIME[language]})
                return
            try:
                await on_new_message(
                    UserMessage(text, output, session.id, input_channel=self.name(),
                                metadata=metadata)
                )
            finally:
                self.in_flight.leave(session.id)

        async def session_end(sid: str, _: Any = None) -> None:
            session_id = await unbind(sid)
            if session_id is not None:
                await end(session_id)
            await sio.emit("session_ended", {}, room=sid, namespace=namespace)

        async def disconnect(sid: str) -> None:
            self.bound.pop(sid, None)
            await self.agent_desk.disconnected(sid)

        sio.on("session_request", handler=session_request, namespace=namespace)
        sio.on(self.user_message_evt, handler=handle_message, namespace=namespace)
        sio.on("session_end", handler=session_end, namespace=namespace)
        sio.on("disconnect", handler=disconnect, namespace=namespace)
        self.agent_desk = AgentDesk(sio, namespace, center, self.bot_message_evt, to_session)
        return WebChatBlueprint(socket_blueprint, self.page(), page_headers(self.origins),
                                self.agent_desk)

    def _origin_allowed(self, origin: str, environ: Mapping[str, Any]) -> bool:
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin == own or origin in self.origins
