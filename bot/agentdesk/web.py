"""The agent desk on the Rasa server: `/agent/` (sign-in, the desk page) and its socket.io events.

Agents sign in with a name and password (`bot agents add`, bot/agentdesk/accounts.py); the
server answers with an HttpOnly, SameSite=Strict cookie signed with a key made at start-up
(a restart signs everyone out). The desk page then opens socket.io on the widget's server and
sends `desk_join`; the cookie of that connection says who the agent is. Events:

    agent -> server   desk_join, desk_accept {id}, desk_reply {id, text}, desk_end {id}
    server -> agent   desk_you {agent}; desk_state {handoffs: [...]}   (the whole desk, masked)
    server -> customer  bot_uttered {text, custom: {agent: NAME}} and desk notices
                        {custom: {desk: "joined" | "left", agent: NAME}}
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.agentdesk import accounts
from bot.agentdesk.desk import MAX_LINE_CHARS, Desk
from bot.config import Settings

logger = logging.getLogger(__name__)

PAGE_DIR = Path(__file__).resolve().parent / "page"
COOKIE = "bank_desk"
SIGN_IN_HOURS = 8
AGENTS_ROOM = "desk-agents"
MAX_FAILURES, LOCK_SECONDS = 5, 300
ASSETS = {
    "desk.js": (PAGE_DIR / "desk.js", "text/javascript; charset=utf-8"),
    "desk.css": (PAGE_DIR / "desk.css", "text/css; charset=utf-8"),
}
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

ToSession = Callable[[str, str, Any], Awaitable[None]]


class SignIns:
    """Signed sign-in tokens and the failed-attempt limit (per name, in memory)."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._failures: dict[str, tuple[int, float]] = {}

    def token(self, name: str, now: float) -> str:
        expires = int(now + SIGN_IN_HOURS * 3600)
        return f"{name}:{expires}:{self._mac(name, expires)}"

    def agent(self, token: str | None, now: float) -> str | None:
        try:
            name, expires, mac = (token or "").split(":")
            if int(expires) < now:
                return None
        except ValueError:
            return None
        return name if hmac.compare_digest(mac, self._mac(name, int(expires))) else None

    def locked(self, name: str, now: float) -> bool:
        count, since = self._failures.get(name, (0, now))
        return count >= MAX_FAILURES and now - since < LOCK_SECONDS

    def failed(self, name: str, now: float) -> None:
        count, since = self._failures.get(name, (0, now))
        if now - since >= LOCK_SECONDS:
            count, since = 0, now
        if len(self._failures) > 10_000:
            self._failures.clear()
        self._failures[name] = (count + 1, since)

    def succeeded(self, name: str) -> None:
        self._failures.pop(name, None)

    def _mac(self, name: str, expires: int) -> str:
        return hmac.new(self._key, f"{name}:{expires}".encode(), hashlib.sha256).hexdigest()


def cookie_value(cookie_header: str | None) -> str | None:
    if not cookie_header or len(cookie_header) > 8192:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:  # a malformed Cookie header is no sign-in
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


def sign_in_page(message: str = "") -> str:
    page = (PAGE_DIR / "signin.html").read_text(encoding="utf-8")
    return page.replace("{{message}}", message)


class AgentDesk:
    """The desk's routes and socket.io handlers around one `Desk`."""

    def __init__(self, sio: Any, namespace: str | None, desk: Desk, bot_event: str,
                 to_session: ToSession) -> None:
        self.sio = sio
        self.namespace = namespace
        self.desk = desk
        self.bot_event = bot_event
        self.to_session = to_session
        self.sign_ins = SignIns()
        self.agents: dict[str, str] = {}  # sid -> agent name
        self.agents_file = accounts.agents_file(Settings.from_env().var_dir)
        for event, handler in (("desk_join", self.join), ("desk_accept", self.accept),
                               ("desk_reply", self.reply), ("desk_end", self.end)):
            sio.on(event, handler=handler, namespace=namespace)

    # ---- HTTP ------------------------------------------------------------------------------

    def blueprint(self) -> Blueprint:
        desk = Blueprint("agent_desk", url_prefix="/agent")

        async def index(request: Request) -> HTTPResponse:
            if self._signed_in(request) is None:
                return response.html(sign_in_page(), headers=HEADERS)
            page = (PAGE_DIR / "desk.html").read_text(encoding="utf-8")
            return response.html(page, headers=HEADERS)

        async def sign_in(request: Request) -> HTTPResponse:
            if len(request.body or b"") > 4096:
                return response.html(sign_in_page("Too long."), status=413, headers=HEADERS)
            name = (request.form.get("name") or "").strip().lower()
            password = request.form.get("password") or ""
            now = time.time()
            if self.sign_ins.locked(name, now):
                return response.html(
                    sign_in_page("Too many failed attempts. Try again in a few minutes."),
                    status=429, headers=HEADERS)
            if not accounts.verify(self.agents_file, name, password):
                self.sign_ins.failed(name, now)
                logger.info("agent desk: failed sign-in")
                return response.html(sign_in_page("Wrong name or password."), status=401,
                                     headers=HEADERS)
            self.sign_ins.succeeded(name)
            answer = response.redirect("/agent/", headers=HEADERS)
            answer.cookies[COOKIE] = self.sign_ins.token(name, now)
            answer.cookies[COOKIE]["httponly"] = True
            answer.cookies[COOKIE]["samesite"] = "Strict"
            answer.cookies[COOKIE]["path"] = "/"
            answer.cookies[COOKIE]["max-age"] = SIGN_IN_HOURS * 3600
            return answer

        async def sign_out(_: Request) -> HTTPResponse:
            answer = response.redirect("/agent/", headers=HEADERS)
            del answer.cookies[COOKIE]
            return answer

        async def redirect(_: Request) -> HTTPResponse:
            return response.redirect("/agent/")

        async def asset(_: Request, name: str) -> HTTPResponse:
            found = ASSETS.get(name)
            if found is None:
                return response.text("not found", status=404)
            path, content_type = found
            return await response.file(path, mime_type=content_type, headers=HEADERS)

        desk.add_route(redirect, "", methods=["GET"], strict_slashes=True)
        desk.add_route(index, "/", methods=["GET"], strict_slashes=True)
        desk.add_route(sign_in, "/signin", methods=["POST"])
        desk.add_route(sign_out, "/signout", methods=["POST"])
        desk.add_route(asset, "/<name:str>", methods=["GET"])
        return desk

    def _signed_in(self, request: Request) -> str | None:
        return self.sign_ins.agent(request.cookies.get(COOKIE), time.time())

    # ---- socket.io ----------------------------------------------------------------------------

    async def join(self, sid: str, _: Any = None) -> None:
        environ = self.sio.get_environ(sid, namespace=self.namespace) or {}
        agent = self.sign_ins.agent(cookie_value(environ.get("HTTP_COOKIE")), time.time())
        if agent is None:
            await self.sio.emit("desk_refused", {}, room=sid, namespace=self.namespace)
            return
        self.agents[sid] = agent
        entered = self.sio.enter_room(sid, AGENTS_ROOM, namespace=self.namespace)
        if entered is not None:
            await entered
        await self.sio.emit("desk_you", {"agent": agent}, room=sid, namespace=self.namespace)
        await self.publish()

    async def accept(self, sid: str, data: Any) -> None:
        agent, conversation = self._request(sid, data)
        if agent is None or conversation is None:
            return
        if self.desk.accept(conversation, agent) is not None:
            await self.to_session(conversation, self.bot_event,
                                  {"custom": {"desk": "joined", "agent": agent}})
        await self.publish()

    async def reply(self, sid: str, data: Any) -> None:
        agent, conversation = self._request(sid, data)
        text = data.get("text") if isinstance(data, Mapping) else None
        if agent is None or conversation is None or not isinstance(text, str):
            return
        text = text.strip()[:MAX_LINE_CHARS]
        if not text or self.desk.holder(conversation) != agent:
            return
        line = self.desk.note(conversation, "agent", text, time.time(), agent)
        await self.to_session(conversation, self.bot_event,
                              {"text": line.text, "custom": {"agent": agent}})
        await self.publish()

    async def end(self, sid: str, data: Any) -> None:
        agent, conversation = self._request(sid, data)
        if agent is None or conversation is None:
            return
        if self.desk.release(conversation, agent) is not None:
            await self.to_session(conversation, self.bot_event,
                                  {"custom": {"desk": "left", "agent": agent}})
        await self.publish()

    async def customer_said(self, _: str) -> None:
        await self.publish()

    async def disconnected(self, sid: str) -> None:
        self.agents.pop(sid, None)

    async def publish(self) -> None:
        """Send the whole desk (masked) to every signed-in agent."""
        handoffs = [handoff.as_dict() for handoff in self.desk.handoffs()]
        await self.sio.emit("desk_state", {"handoffs": handoffs}, room=AGENTS_ROOM,
                            namespace=self.namespace)

    def _request(self, sid: str, data: Any) -> tuple[str | None, str | None]:
        agent = self.agents.get(sid)
        conversation = data.get("id") if isinstance(data, Mapping) else None
        return agent, conversation if isinstance(conversation, str) else None
