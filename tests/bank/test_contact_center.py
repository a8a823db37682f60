"""The agent desk's records in the bank database: hand-offs, agents, sign-ins, web sessions.

Two `ContactCenter`s on one database file stand for two Rasa replicas (or one before and after
a restart): what one writes, the other reads.
"""

from __future__ import annotations

import time

import pytest

from bot.agentdesk import accounts
from bot.bank.contact_center import ContactCenter
from bot.bank.demo import demo_customer
from bot.bank.repository import BankRepository
from bot.channels.web_sessions import Resumption, WebSessions
from bot.payloads import conversation_reference
from tests.bank.conftest import customer_id_of

NOW = time.time()  # the hand-offs are recorded now


@pytest.fixture()
def replicas(sessions) -> tuple[ContactCenter, ContactCenter]:
    return ContactCenter(sessions), ContactCenter(sessions)


def test_a_handoff_shows_its_context_masked_and_one_agent_holds_it(
        repository: BankRepository, replicas) -> None:
    one, two = replicas
    elira = customer_id_of(repository, "registered_debit")
    handoff_id = repository.record_handoff(
        "agent", "complaint",
        {"language": "en", "verified_method": "card_pin", "card_last_four": "4417",
         "complaint_reference": "ANK-000042",
         "transcript": [{"who": "customer", "text": "my pin is ••••", "at": NOW - 5},
                        {"who": "assistant", "text": "Main menu.", "at": NOW - 4}]},
        channel="web", customer_id=elira, conversation_id="web-" + "a" * 32)
    (shown,) = [handoff for handoff in two.desk(NOW) if handoff.id == handoff_id]
    page = shown.as_dict()
    assert page["customer"] == demo_customer("registered_debit").full_name
    assert (page["card_last_four"], page["verified_method"]) == ("4417", "card_pin")
    assert page["complaint_reference"] == "ANK-000042" and page["language"] == "en"
    assert page["channel"] == "web" and page["status"] == "open"
    assert "conversation_id" not in page and "web-" + "a" * 32 not in str(page)
    assert page["reference"] == conversation_reference("web-" + "a" * 32)

    # A line typed later is masked on its way in, wherever it comes from.
    one.add_line(handoff_id, "customer", "card 4111 1111 1111 1111, pin 6274, thanks", NOW)
    last = two.handoff(handoff_id).lines[-1]
    assert "4111" not in last.text and "6274" not in last.text and last.text.endswith("thanks")

    # Two agents on two replicas accept at once: one wins.
    assert one.accept(handoff_id, "ana", NOW) is True
    assert two.accept(handoff_id, "ben", NOW) is False
    assert two.state(handoff_id) == ("taken", "ana")
    assert two.close(handoff_id, NOW, agent="ben") is False
    assert one.close(handoff_id, NOW, agent="ana") is True
    assert handoff_id not in [handoff.id for handoff in two.desk(NOW)]


def test_an_unverified_caller_shows_no_name_and_a_phone_handoff_is_found_by_reference(
        repository: BankRepository, replicas) -> None:
    one, _ = replicas
    conversation = "voice-" + "b" * 32
    handoff_id = repository.record_handoff(
        "agent", "lost_card", {"language": "sq", "card_last_four": "12345"}, channel="voice",
        customer_id=customer_id_of(repository, "registered_credit"), conversation_id=conversation)
    found = one.by_reference(conversation_reference(conversation))
    assert found is not None and found.id == handoff_id
    page = found.as_dict()
    assert page["channel"] == "phone" and page["verified"] is False
    assert page["customer"] is None  # the line's owner, but not proved: no name shown
    assert page["card_last_four"] is None  # only ever exactly four digits
    assert one.by_reference("0" * 32) is None


def test_old_open_handoffs_leave_the_desk(repository: BankRepository, replicas) -> None:
    one, _ = replicas
    handoff_id = repository.record_handoff("agent", "talk_to_agent", {}, channel="web",
                                           conversation_id="web-" + "c" * 32)
    assert handoff_id in [handoff.id for handoff in one.desk(NOW)]
    later = one.handoff(handoff_id).created_at + 13 * 3600
    assert handoff_id not in [handoff.id for handoff in one.desk(later)]


def test_agents_sign_in_lock_and_sign_out(replicas) -> None:
    one, two = replicas
    with pytest.raises(accounts.AccountError):
        accounts.add(one, "Ana", "short")
    accounts.add(one, "ana", "correct horse battery")
    stored = one.password_hash("ana")
    assert stored.startswith("scrypt$32768$") and "correct horse" not in stored
    assert accounts.verify(two, "ana", "correct horse battery")
    assert not accounts.verify(two, "ana", "wrong password!")
    assert not accounts.verify(two, "nobody", "correct horse battery")

    failures = None
    for attempt in range(accounts.MAX_FAILURES):
        assert not accounts.locked(failures, NOW + attempt)
        failures = accounts.after_failure(failures, NOW + attempt)
        one.set_failures("ana", *failures, forget_before=NOW - accounts.LOCK_SECONDS)
    assert accounts.locked(two.failures("ana"), NOW + 10)  # the other replica sees the lock
    assert not accounts.locked(two.failures("ana"), NOW + accounts.LOCK_SECONDS + 1)

    one.sign_in("ana", "h" * 64, expires=NOW + 60, now=NOW)
    assert two.signed_in("h" * 64, NOW + 59) == "ana"
    assert two.signed_in("h" * 64, NOW + 61) is None  # expired
    two.sign_out("h" * 64)
    assert one.signed_in("h" * 64, NOW) is None
    one.sign_in("ana", "k" * 64, expires=NOW + 60, now=NOW)
    accounts.add(one, "ana", "another long password")  # a new password ends the sign-ins
    assert one.signed_in("k" * 64, NOW) is None


def test_web_sessions_need_the_secret_expire_when_idle_and_survive_a_restart(replicas) -> None:
    one, two = replicas
    before = WebSessions(one, idle_seconds=300)
    session = before.open(now=NOW, language="en")
    after = WebSessions(two, idle_seconds=300)  # another replica, or the server restarted
    assert after.resume(session.id, session.secret, NOW + 10) is Resumption.RESUMED
    for wrong in (None, "", session.secret[:-1], session.secret + "x", 42):
        assert after.resume(session.id, wrong, NOW + 20) is Resumption.REFUSED
    assert after.resume("web-" + "0" * 32, session.secret, NOW + 20) is Resumption.REFUSED
    assert after.resume("../etc", session.secret, NOW + 20) is Resumption.REFUSED
    assert after.resume(session.id, session.secret, NOW + 10 + 301) is Resumption.EXPIRED
    assert session.secret not in str(two.web_session(session.id))  # only its hash is stored
    assert two.end_web_session(session.id) is None
    assert after.resume(session.id, session.secret, NOW + 20) is Resumption.REFUSED


def test_a_conversation_an_agent_holds_does_not_expire(repository: BankRepository,
                                                       replicas) -> None:
    one, _ = replicas
    sessions = WebSessions(one, idle_seconds=300)
    session = sessions.open(now=NOW)
    handoff_id = repository.record_handoff("agent", "talk_to_agent", {}, channel="web",
                                           conversation_id=session.id)
    one.touch_web_session(session.id, NOW, handoff_id=handoff_id)
    assert sessions.resume(session.id, session.secret, NOW + 301) is Resumption.EXPIRED
    session = sessions.open(now=NOW)
    one.touch_web_session(session.id, NOW, handoff_id=handoff_id)
    assert one.accept(handoff_id, "ana", NOW)
    assert sessions.resume(session.id, session.secret, NOW + 3600) is Resumption.RESUMED
    assert not sessions.expired(sessions.get(session.id), NOW + 7200)
    assert one.close(handoff_id, NOW + 7200, agent="ana")
    assert sessions.expired(sessions.get(session.id), NOW + 7200)
