"""The banking services, behind the verification the spec asks for.

`action_service` answers every service intent (and the card and accounts menus). When the caller
has not proved enough yet it says which form must run (slot `verification_needed`; the rules start
the form) and remembers the request in `pending_service`; when the form ends it runs again and
serves the remembered request, or refuses, or hands the caller to an agent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend import backend
from actions.conversation import (
    AnswerAction,
    caller_line,
    chosen_by_key,
    is_voice,
    language,
    latest_intent,
)
from actions.handoff import hand_off
from actions.menus import current_menu, present
from actions.presentation import amount, count_of, currency, day, masked_email
from actions.requests import METHOD_CHOICES, REQUESTS, SERVICE_INTENTS, Request
from actions.verification_state import (
    CARD_TOKEN_SLOT,
    OUTCOME_SLOT,
    OutcomeKind,
    VerificationOutcome,
)
from bot.bank.access import (
    OFFERED_METHODS,
    AccessDecision,
    Method,
    Refusal,
    Service,
    ServiceMenu,
    methods_for,
)
from bot.bank.repository import AccountBalance
from bot.bank.statements import (
    EmailParts,
    balances_email,
    card_transactions_email,
    statement_email,
)
from bot.i18n import Lang
from bot.payloads import HandoffQueue

Events = list[dict[str, Any]]

# What the caller hears for each refusal of the access rules (bot/bank/access.py).
REFUSAL_RESPONSES: dict[Refusal, str] = {
    Refusal.UNDER_AGE: "utter_under_age",
    Refusal.OTHER_CUSTOMERS_NUMBER: "utter_other_customers_number",
    Refusal.METHOD_NOT_ALLOWED: "utter_method_not_allowed",
    Refusal.NEEDS_CREDIT_CARD: "utter_needs_credit_card",
    Refusal.NO_EMAIL: "utter_no_email",
    Refusal.NO_LINKED_ACCOUNT: "utter_no_linked_account",
}
# Refusals of one service: the caller stays in the menu they were in.
SERVICE_REFUSALS = frozenset({Refusal.NO_EMAIL, Refusal.NO_LINKED_ACCOUNT})
ACCOUNT_KINDS = {
    "sq": {"current": "llogaria rrjedhëse", "savings": "llogaria e kursimit"},
    "en": {"current": "current account", "savings": "savings account"},
}
METHOD_MENU = "accounts_method"  # the menu (menus.yml) where the caller picks 1 or 2
FORM_SLOTS = ("card_number", "card_pin", "customer_number", CARD_TOKEN_SLOT)
# A balances read-out longer than ~20 s gives a summary first ("you have 14 accounts in 7
# currencies"); the caller chooses to hear them all or get them by email (issue 15). The
# balances themselves get 18 s: the sentence around them takes about 2 s more.
MAX_READ_OUT_SECONDS = 20
MAX_BALANCES_SECONDS = 18
# How fast the line speaks: espeak-ng at 175 words a minute says ~16 characters a second in
# both languages (tests/test_prompt_audio.py holds the estimate to the rendered audio).
SPOKEN_CHARACTERS_PER_SECOND = 16
# In these menus the caller has chosen to hear every balance (key 1, "repeat", or in words).
FULL_READ_OUT_MENUS = frozenset({"all_balances_summary", "all_balances_done"})


def _needs(kind: Method | None, pending: str, menu: ServiceMenu) -> Events:
    """Ask the rules to run the verification form of method `kind` (None: none yet), then come
    back to `pending`."""
    events = [SlotSet("verification_needed", kind.value if kind else None),
              SlotSet("pending_service", pending),
              SlotSet("verification_menu", menu.value)]
    if kind is not None:
        events += [SlotSet(slot, None) for slot in FORM_SLOTS]
    return events


class ActionService(AnswerAction):
    def name(self) -> str:
        return "action_service"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: DomainDict) -> Events:
        raw_outcome = tracker.get_slot(OUTCOME_SLOT)
        events: Events = [SlotSet("verification_needed", None)]
        if raw_outcome is not None:  # a verification form has just ended
            events.append(SlotSet(OUTCOME_SLOT, None))
            return events + await self._after_form(VerificationOutcome.from_slot(raw_outcome),
                                                   dispatcher, tracker)
        intent = latest_intent(tracker)
        if intent in METHOD_CHOICES:
            return events + await self._choose_method(intent, dispatcher, tracker)
        if intent not in SERVICE_INTENTS:
            intent = tracker.get_slot("pending_service") or "account_info"
        return events + await self._serve(intent, dispatcher, tracker)

    async def _after_form(self, outcome: VerificationOutcome | None,
                          dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        if outcome is not None and outcome.kind is OutcomeKind.FAILED:
            dispatcher.utter_message(response="utter_too_many_attempts")
            return [SlotSet("verification_attempts", 0)] + await hand_off(
                dispatcher, tracker, HandoffQueue.AGENT, "verification_failed")
        if outcome is None or outcome.refusal is not None:
            refusal = outcome.refusal if outcome is not None else None
            dispatcher.utter_message(response=REFUSAL_RESPONSES.get(refusal, "utter_default"))
            return present("individual", dispatcher, tracker)
        dispatcher.utter_message(response="utter_verified")
        return await self._serve(tracker.get_slot("pending_service"), dispatcher, tracker)

    async def _choose_method(self, intent: str, dispatcher: CollectingDispatcher,
                             tracker: Tracker) -> Events:
        """The caller picked how to identify for the accounts menu (or said they have no card)."""
        pending = tracker.get_slot("pending_service")
        if pending not in REQUESTS or REQUESTS[pending].menu is not ServiceMenu.ACCOUNTS:
            pending = "account_info"
        line = await caller_line(tracker, backend().verifier)
        by_customer_number = Method.CUSTOMER_NUMBER in methods_for(ServiceMenu.ACCOUNTS, line)
        if intent == "verify_with_card":
            return _needs(Method.CARD_PIN, pending, ServiceMenu.ACCOUNTS)
        if by_customer_number:
            return _needs(Method.CUSTOMER_NUMBER, pending, ServiceMenu.ACCOUNTS)
        if intent == "no_card":
            dispatcher.utter_message(response="utter_no_card_unregistered")
            return await hand_off(dispatcher, tracker, HandoffQueue.AGENT,
                                  "no_card_unregistered")
        dispatcher.utter_message(response="utter_method_not_allowed")
        return _needs(Method.CARD_PIN, pending, ServiceMenu.ACCOUNTS)

    async def _serve(self, intent: str | None, dispatcher: CollectingDispatcher,
                     tracker: Tracker) -> Events:
        intent = intent if intent in REQUESTS else "account_info"
        if intent == "card_transactions_email" and not chosen_by_key(tracker):
            # "what were my last transactions": read the last one, offer the list by email
            intent = "last_card_transaction"
        request = REQUESTS[intent]
        decision = await _decision(tracker, request)
        if decision is None:
            return self._ask_verification(intent, request, dispatcher, tracker)
        events: Events = [SlotSet("allowed_services", sorted(decision.services))]
        refusal = decision.refusal
        offered = OFFERED_METHODS[request.menu]
        if refusal is Refusal.METHOD_NOT_ALLOWED and _verified_method(tracker) not in offered:
            # verified by customer number: the card menu takes only its own method (spec 2)
            dispatcher.utter_message(response="utter_needs_card_verification")
            return events + _needs(offered[0], intent, request.menu)
        if refusal is not None:
            dispatcher.utter_message(response=REFUSAL_RESPONSES[refusal])
            if refusal in SERVICE_REFUSALS:
                menu = request.menu.value
            else:
                menu = "accounts" if refusal is Refusal.NEEDS_CREDIT_CARD else "individual"
            return events + present(menu, dispatcher, tracker, allowed=decision.services)
        if request.service is None:
            return events + present(request.menu.value, dispatcher, tracker,
                                    allowed=decision.services)
        customer_id = int(tracker.get_slot("verified_customer"))
        return events + await SERVICES[request.service](customer_id, dispatcher, tracker)

    def _ask_verification(self, intent: str, request: Request, dispatcher: CollectingDispatcher,
                          tracker: Tracker) -> Events:
        """The menu's one method (card menu: card + PIN), or its published choice for every
        caller (accounts menu: 1/2, spec 4.2.2); choosing the customer number off a registered
        phone is answered with the rule (`_choose_method`)."""
        offered = OFFERED_METHODS[request.menu]
        if len(offered) == 1:
            return _needs(offered[0], intent, request.menu)
        return _needs(None, intent, request.menu) + present(METHOD_MENU, dispatcher, tracker)


def _verified_method(tracker: Tracker) -> Method | None:
    method = tracker.get_slot("verified_method")
    return Method(method) if method in set(Method) else None


async def _decision(tracker: Tracker, request: Request) -> AccessDecision | None:
    """The access rules' answer to `request` for the verified caller; None if not verified."""
    customer, method = tracker.get_slot("verified_customer"), _verified_method(tracker)
    if not str(customer or "").isdigit() or method is None:
        return None
    services = backend()
    line = await caller_line(tracker, services.verifier)
    return await asyncio.to_thread(services.verifier.decision_for, line, int(customer), method,
                                   request.menu, request.service)


# --- the services themselves -------------------------------------------------------------------

async def credit_limit(customer_id: int, dispatcher: CollectingDispatcher,
                       tracker: Tracker) -> Events:
    lang, voice = language(tracker), is_voice(tracker)
    facts = await asyncio.to_thread(backend().repository.credit_card_facts, customer_id)
    dispatcher.utter_message(
        response="utter_credit_limit",
        approved_limit=amount(facts.approved_limit, facts.currency, lang, voice),
        available_limit=amount(facts.available_limit, facts.currency, lang, voice),
        amount_due=amount(facts.amount_due, facts.currency, lang, voice),
    )
    return present("credit_limit_done", dispatcher, tracker)


async def last_card_transaction(customer_id: int, dispatcher: CollectingDispatcher,
                                tracker: Tracker) -> Events:
    lang, voice = language(tracker), is_voice(tracker)
    transaction = await asyncio.to_thread(backend().repository.last_card_transaction,
                                          customer_id)
    if transaction is None:
        dispatcher.utter_message(response="utter_no_card_transactions")
    else:
        dispatcher.utter_message(
            response="utter_last_card_transaction",
            date=day(transaction.day, lang, voice),
            amount=amount(transaction.amount, transaction.currency, lang, voice),
            merchant=transaction.description,
        )
    return present("last_transaction_done", dispatcher, tracker)


async def _emailed(customer_id: int, build: Callable[[str], EmailParts],
                   dispatcher: CollectingDispatcher, tracker: Tracker) -> str | None:
    """Send the email `build(address)` makes to the customer's address; the address as the
    caller is told it (masked; spoken on the phone) when sent, else None after telling the
    caller. (That the customer has an address is the access rules' to say, before:
    `Refusal.NO_EMAIL`.)"""
    services = backend()
    address = await asyncio.to_thread(services.repository.customer_email, customer_id)
    if address is not None:
        try:
            await asyncio.to_thread(services.mailer.send, *build(address))
        except OSError:
            address = None
    if address is None:
        dispatcher.utter_message(response="utter_email_failed")
        return None
    return masked_email(address, language(tracker), is_voice(tracker))


async def card_transactions(customer_id: int, dispatcher: CollectingDispatcher,
                            tracker: Tracker) -> Events:
    transactions = await asyncio.to_thread(
        backend().repository.card_transactions_since_cutoff, customer_id)
    sent_to = await _emailed(customer_id, lambda address: card_transactions_email(
        address, transactions, language(tracker)), dispatcher, tracker)
    if sent_to is None:
        return present("card", dispatcher, tracker)
    dispatcher.utter_message(response="utter_card_transactions_sent", email=sent_to)
    return present("card_transactions_done", dispatcher, tracker)


async def linked_balance(customer_id: int, dispatcher: CollectingDispatcher,
                         tracker: Tracker) -> Events:
    lang, voice = language(tracker), is_voice(tracker)
    account = await asyncio.to_thread(backend().repository.linked_account, customer_id)
    if account is None:
        dispatcher.utter_message(response="utter_no_linked_account")
        return present("accounts", dispatcher, tracker)
    dispatcher.utter_message(response="utter_linked_balance",
                             amount=amount(account.available_balance, account.currency, lang,
                                           voice))
    return present("linked_balance_done", dispatcher, tracker)


async def all_balances(customer_id: int, dispatcher: CollectingDispatcher,
                       tracker: Tracker) -> Events:
    lang, voice = language(tracker), is_voice(tracker)
    accounts = await asyncio.to_thread(backend().repository.accounts, customer_id)
    if not accounts:
        dispatcher.utter_message(response="utter_no_accounts")
        return present("accounts", dispatcher, tracker)
    if needs_summary(accounts, lang) and current_menu(tracker) not in FULL_READ_OUT_MENUS:
        currencies = len({a.currency for a in accounts})
        dispatcher.utter_message(response="utter_balances_summary",
                                 accounts=count_of(len(accounts), "account", lang, voice),
                                 currencies=count_of(currencies, "currency", lang, voice))
        return present("all_balances_summary", dispatcher, tracker)
    dispatcher.utter_message(response="utter_all_balances",
                             balances=balances_read_out(accounts, lang, voice))
    return present("all_balances_done", dispatcher, tracker)


def needs_summary(accounts: Sequence[AccountBalance], lang: Lang) -> bool:
    """Whether the read-out would take longer than ~MAX_READ_OUT_SECONDS to say. Judged on the
    spoken form in both channels, so that the web chat offers the same menu as the phone."""
    said = balances_read_out(accounts, lang, voice=True)
    return len(said) / SPOKEN_CHARACTERS_PER_SECOND > MAX_BALANCES_SECONDS


def balances_read_out(accounts: Sequence[AccountBalance], lang: Lang, voice: bool) -> str:
    """"current account lek: 185,400.00 ALL; savings account euro: ..." (said or written)."""
    return "; ".join(f"{ACCOUNT_KINDS[lang][a.kind]} {currency(a.currency, lang, voice)}: "
                     f"{amount(a.available_balance, a.currency, lang, voice)}" for a in accounts)


async def statement(customer_id: int, dispatcher: CollectingDispatcher,
                    tracker: Tracker) -> Events:
    lang, voice = language(tracker), is_voice(tracker)
    code = tracker.get_slot("currency")
    if code is None:
        return present("currency", dispatcher, tracker)
    events: Events = [SlotSet("currency", None)]
    repository = backend().repository
    held = await asyncio.to_thread(repository.accounts, customer_id)
    accounts = [a for a in held if a.currency == code]
    if not accounts:
        dispatcher.utter_message(response="utter_no_account_in_currency",
                                 currency=currency(code, lang, voice))
        return events + present("currency", dispatcher, tracker)
    transactions = await asyncio.to_thread(repository.account_transactions, customer_id, code)
    sent_to = await _emailed(customer_id, lambda address: statement_email(
        address, code, accounts, transactions, lang), dispatcher, tracker)
    if sent_to is not None:
        dispatcher.utter_message(response="utter_statement_sent",
                                 currency=currency(code, lang, voice, before_noun=True),
                                 email=sent_to)
    return events + present("accounts", dispatcher, tracker)


async def balances_by_email(customer_id: int, dispatcher: CollectingDispatcher,
                            tracker: Tracker) -> Events:
    """The balances in all currencies sent to the registered address instead of read out."""
    accounts = backend().repository.accounts(customer_id)
    if not accounts:
        dispatcher.utter_message(response="utter_no_accounts")
        return present("accounts", dispatcher, tracker)
    sent_to = await _emailed(customer_id, lambda address: balances_email(
        address, accounts, language(tracker)), dispatcher, tracker)
    if sent_to is not None:
        dispatcher.utter_message(response="utter_balances_sent", email=sent_to)
    return present("accounts", dispatcher, tracker)


SERVICES = {
    Service.CREDIT_LIMIT: credit_limit,
    Service.LAST_CARD_TRANSACTION: last_card_transaction,
    Service.CARD_TRANSACTIONS_EMAIL: card_transactions,
    Service.LINKED_BALANCE: linked_balance,
    Service.ALL_BALANCES: all_balances,
    Service.STATEMENT_EMAIL: statement,
    Service.BALANCES_EMAIL: balances_by_email,
}
