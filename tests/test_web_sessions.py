"""Web chat sessions: only the tab holding the secret continues a conversation, while not idle."""

from bot.agentdesk.desk import Desk
from bot.channels.web_sessions import Resumption, WebSessions


def test_only_the_secret_continues_a_session_and_idle_ones_expire() -> None:
    sessions = WebSessions(idle_seconds=300)
    session = sessions.open(now=0.0)
    assert sessions.resume(session.id, session.secret, 10.0) is Resumption.RESUMED
    for wrong in (None, "", session.secret[:-1], session.secret + "x", 42):
        assert sessions.resume(session.id, wrong, 20.0) is Resumption.REFUSED
    assert sessions.resume("web-" + "0" * 32, session.secret, 20.0) is Resumption.REFUSED
    assert sessions.resume(session.id, session.secret, 20.0 + 301) is Resumption.EXPIRED
    assert sessions.resume(session.id, session.secret, 20.0 + 302) is Resumption.REFUSED


def test_sessions_are_bounded() -> None:
    sessions = WebSessions(idle_seconds=300, max_sessions=3)
    first = sessions.open(0.0)
    for _ in range(5):
        sessions.open(1.0)
    assert len(sessions) == 3 and sessions.get(first.id) is None


def test_the_desk_sees_masked_lines_and_one_agent_holds_a_handoff() -> None:
    desk = Desk()
    desk.note("web-1", "customer", "my pin is 6274, card 4111 1111 1111 1111", 1.0)
    handoff = desk.hand_off("web-1", "contact_center", "agent", "en", 2.0)
    assert "6274" not in handoff.lines[0].text and "4111" not in handoff.lines[0].text
    assert "my pin is" in handoff.lines[0].text
    assert desk.accept("web-1", "ana") is handoff
    assert desk.accept("web-1", "ben") is None and desk.holder("web-1") == "ana"
    assert desk.release("web-1", "ben") is None
    assert desk.release("web-1", "ana") is handoff and desk.holder("web-1") is None
