"""The agent desk on the Rasa server: `/agent/` (sign-in, the desk page) and its socket.io events.

Everything the desk shows is in the bank database (bot/bank/contact_center.py): hand-offs from
the web chat and from phone calls, their masked transcripts, agents and their sign-ins. So a
restart of the Rasa server loses nothing, and with several replicas each shows the same desk;
the replicas' socket.io servers share one Redis (bot/channels/fanout.py), so an event emitted on
one reaches agents and customers connected to another. Nothing is polled: every change is
pushed as it happens.

Agents sign in with a name and password (`bot agents add`, bot/agentdesk/accounts.py). The
answer is an HttpOnly, SameSite=Strict cookie holding a random token; the database keeps only its
SHA-256, with an expiry (`SIGN_IN_HOURS`); signing out deletes it. The sign-in and sign-out forms
are refused unless the browser says they come from this server's own pages (Origin, else
Referer), and so is a desk socket from another site. The desk page opens socket.io on the
widget's server and sends `desk_join`; the cookie of that connection says who the agent is, and
every later request checks again that the sign-in still holds. Events:

    agent -> server   desk_join, desk_accept {id}, desk_reply {id, text}, desk_end {id},
                      desk_lookup {reference}
    server -> agent   desk_you {agent}; desk_state {handoffs: [...]} (the whole desk, masked);
                      desk_found {handoff} / desk_not_found {reference}; desk_refused
    server -> customer  bot_uttered {text, custom: {agent: NAME}} and desk notices
                        {custom: {desk: "joined" | "left", agent: NAME}}
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.agentdesk import accounts
from bot.bank.contact_center import MAX_LINE_CHARS, ContactCenter, DeskHandoff
from bot.bank.models import DeskSpeaker, HandoffStatus

logger = logging.getLogger(__name__)

PAGE_DIR = Path(__file__).resolve().parent / "page"
COOKIE = "bank_desk"
SIGN_IN_HOURS = 8  # a shift; then the agent signs in again
AGENTS_ROOM = "desk-agents"
REFERENCE = re.compile(r"[0-9a-f]{32}")
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
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

ToSession = Callable[[str, str, Any], Awaitable[None]]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_origin(claimed: str | None, host: str | None) -> bool:
    """Does an Origin (or Referer) header name this server (the Host the browser used)?"""
    if not claimed or not host:
        return False
    return urlsplit(claimed).netloc.lower() == host.lower()


def request_is_own(request: Request) -> bool:
    """A form post from this server's own pages: Origin, else Referer, names our host."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    return same_origin(claimed, request.headers.get("host"))


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


def reference_of(text: Any) -> str | None:
    """The reference in what the agent's phone shows: the bare hex digits, or the whole
    User-to-User value (`<hex>;encoding=hex;purpose=conversation-ref`)."""
    if not isinstance(text, str) or len(text) > 200:
        return None
    candidate = text.strip().split(";", 1)[0].strip().lower()
    return candidate if REFERENCE.fullmatch(candidate) else None


def sign_in_page(message: str = "") -> str:
    page = (PAGE_DIR / "signin.html").read_text(encoding="utf-8")
    return page.replace("{{message}}", message)


async def _db(function: Callable[..., Any], *args: Any) -> Any:
    """A database call off the event loop."""
    return await asyncio.to_thread(function, *args)


class AgentDesk:
    """The desk's routes and socket.io handlers around the contact centre's records."""

    def __init__(self, sio: Any, namespace: str | None, center: ContactCenter, bot_event: str,
                 to_session: ToSession) -> None:
        self.sio = sio
        self.namespace = namespace
        self.center = center
        self.bot_event = bot_event
        self.to_session = to_session
        self.agents: dict[str, str] = {}  # sid -> the sign-in's token hash
        for event, handler in (("desk_join", self.join), ("desk_accept", self.accept),
                               ("desk_reply", self.reply), ("desk_end", self.end),
                               ("desk_lookup", self.lookup)):
            sio.on(event, handler=handler, namespace=namespace)

    # ---- HTTP ------------------------------------------------------------------------------

    def blueprint(self) -> Blueprint:
        desk = Blueprint("agent_desk", url_prefix="/agent")

        async def index(request: Request) -> HTTPResponse:
            if await self._signed_in(request.cookies.get(COOKIE)) is None:
                return response.html(sign_in_page(), headers=HEADERS)
            page = (PAGE_DIR / "desk.html").read_text(encoding="utf-8")
            return response.html(page, headers=HEADERS)

        async def sign_in(request: Request) -> HTTPResponse:
            if len(request.body or b"") > 4096:
                return response.html(sign_in_page("Too long."), status=413, headers=HEADERS)
            if not request_is_own(request):
                return response.html(sign_in_page("Sign in from the desk's own page."),
                                     status=403, headers=HEADERS)
            name = (request.form.get("name") or "").strip().lower()[:64]
            password = request.form.get("password") or ""
            now = time.time()
            failures = await _db(self.center.failures, name)
            if accounts.locked(failures, now):
                return response.html(
                    sign_in_page("Too many failed attempts. Try again in a few minutes."),
                    status=429, headers=HEADERS)
            if not await _db(accounts.verify, self.center, name, password):
                count, since = accounts.after_failure(failures, now)
                await _db(self.center.set_failures, name, count, since,
                          now - accounts.LOCK_SECONDS)
                logger.info("agent desk: failed sign-in")
                return response.html(sign_in_page("Wrong name or password."), status=401,
                                     headers=HEADERS)
            if failures:
                await _db(self.center.set_failures, name, 0, now, now - accounts.LOCK_SECONDS)
            token = secrets.token_urlsafe(32)
            await _db(self.center.sign_in, name, token_hash(token),
                      now + SIGN_IN_HOURS * 3600, now)
            answer = response.redirect("/agent/", headers=HEADERS)
            answer.cookies[COOKIE] = token
            answer.cookies[COOKIE]["httponly"] = True
            answer.cookies[COOKIE]["samesite"] = "Strict"
            answer.cookies[COOKIE]["path"] = "/"
            answer.cookies[COOKIE]["max-age"] = SIGN_IN_HOURS * 3600
            return answer

        async def sign_out(request: Request) -> HTTPResponse:
            if not request_is_own(request):
                return response.text("forbidden", status=403, headers=HEADERS)
            token = request.cookies.get(COOKIE)
            if token:
                await _db(self.center.sign_out, token_hash(token))
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

    async def _signed_in(self, token: str | None) -> str | None:
        if not token or len(token) > 100:
            return None
        return await _db(self.center.signed_in, token_hash(token), time.time())

    # ---- socket.io ----------------------------------------------------------------------------

    async def _emit(self, event: str, data: Any, room: str) -> None:
        await self.sio.emit(event, data, room=room, namespace=self.namespace)

    async def join(self, sid: str, _: Any = None) -> None:
        environ = self.sio.get_environ(sid, namespace=self.namespace) or {}
        token = cookie_value(environ.get("HTTP_COOKIE"))
        origin = environ.get("HTTP_ORIGIN")  # a browser sends it on every cross-site request
        own = origin is None or same_origin(origin, environ.get("HTTP_HOST"))
        agent = await self._signed_in(token) if own else None
        if agent is None or token is None:
            await self._emit("desk_refused", {}, sid)
            return
        self.agents[sid] = token_hash(token)
        entered = self.sio.enter_room(sid, AGENTS_ROOM, namespace=self.namespace)
        if entered is not None:
            await entered
        await self._emit("desk_you", {"agent": agent}, sid)
        await self._emit("desk_state", await self._state(), sid)

    async def _agent(self, sid: str) -> str | None:
        """The agent on this socket, while their sign-in holds; else the page is told."""
        hashed = self.agents.get(sid)
        agent = await _db(self.center.signed_in, hashed, time.time()) if hashed else None
        if agent is None:
            self.agents.pop(sid, None)
            leave = self.sio.leave_room(sid, AGENTS_ROOM, namespace=self.namespace)
            if leave is not None:
                await leave
            await self._emit("desk_refused", {}, sid)
        return agent

    async def _request(self, sid: str, data: Any) -> tuple[str, DeskHandoff] | None:
        handoff_id = data.get("id") if isinstance(data, Mapping) else None
        if not isinstance(handoff_id, int) or isinstance(handoff_id, bool):
            return None
        agent = await self._agent(sid)
        if agent is None:
            return None
        handoff = await _db(self.center.handoff, handoff_id)
        return (agent, handoff) if handoff is not None else None

    async def accept(self, sid: str, data: Any) -> None:
        found = await self._request(sid, data)
        if found is None:
            return
        agent, handoff = found
        accepted = await _db(self.center.accept, handoff.id, agent, time.time())
        if accepted and handoff.channel == "web":
            await self.to_session(handoff.conversation_id, self.bot_event,
                                  {"custom": {"desk": "joined", "agent": agent}})
        await self.publish()

    async def reply(self, sid: str, data: Any) -> None:
        text = data.get("text") if isinstance(data, Mapping) else None
        if not isinstance(text, str) or not text.strip():
            return
        found = await self._request(sid, data)
        if found is None:
            return
        agent, handoff = found
        if (handoff.channel != "web" or handoff.status != HandoffStatus.TAKEN.value
                or handoff.agent != agent):
            return
        now = time.time()
        line = await _db(self.center.add_line, handoff.id, DeskSpeaker.AGENT,
                         text.strip()[:MAX_LINE_CHARS], now, agent)
        await _db(self.center.touch_web_session, handoff.conversation_id, now)
        await self.to_session(handoff.conversation_id, self.bot_event,
                              {"text": line.text, "custom": {"agent": agent}})
        await self.publish()

    async def end(self, sid: str, data: Any) -> None:
        found = await self._request(sid, data)
        if found is None:
            return
        agent, handoff = found
        now = time.time()
        closed = await _db(self.center.close, handoff.id, now, agent)
        if closed and handoff.channel == "web":
            # the customer's idle time starts again from here, not from before the agent
            await _db(self.center.touch_web_session, handoff.conversation_id, now)
            await self.to_session(handoff.conversation_id, self.bot_event,
                                  {"custom": {"desk": "left", "agent": agent}})
        await self.publish()

    async def lookup(self, sid: str, data: Any) -> None:
        """Screen pop: the hand-off whose phone transfer carried this reference."""
        raw = data.get("reference") if isinstance(data, Mapping) else None
        if await self._agent(sid) is None:
            return
        reference = reference_of(raw)
        handoff = await _db(self.center.by_reference, reference) if reference else None
        if handoff is None:
            await self._emit("desk_not_found", {"reference": reference or ""}, sid)
            return
        await self._emit("desk_found", {"handoff": handoff.as_dict()}, sid)

    async def disconnected(self, sid: str) -> None:
        self.agents.pop(sid, None)

    async def _state(self) -> dict[str, Any]:
        handoffs = await _db(self.center.desk, time.time())
        return {"handoffs": [handoff.as_dict() for handoff in handoffs]}

    async def publish(self) -> None:
        """Send the whole desk (masked) to every signed-in agent, on every replica."""
        await self._emit("desk_state", await self._state(), AGENTS_ROOM)
