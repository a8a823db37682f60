"""The banking services, behind the verification the spec asks for.

`action_service` answers every service intent (and the card and accounts menus). When the caller
has not proved enough yet it says which form must run (slot `verification_needed`; the rules start
the form) and remembers the request in `pending_service`; when the form ends it runs again and
serves the remembered request, or refuses, or hands the caller to an agent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend import backend
from actions.conversation import SERVICE_INTENTS, caller_line, is_voice, language, latest_intent
from actions.handoff import AGENT_QUEUE, hand_off
from actions.menus import present
from actions.presentation import amount, currency, day, masked_email
from actions.verification import FAILED, VERIFIED
from bot.bank.access import MENU_SERVICES, Menu, Method, Service, methods_for
from bot.bank.statements import card_transactions_email, statement_email
from bot.mail.mailer import Mailer

Events = list[dict[str, Any]]


@dataclass(frozen=True)
class Request:
    menu: Menu
    service: Service | None  # None: open the menu itself


REQUESTS = {
    "card_info": Request(Menu.CARD, None),
    "credit_limit": Request(Menu.CARD, Service.CREDIT_LIMIT),
    "last_card_transaction": Request(Menu.CARD, Service.LAST_CARD_TRANSACTION),
    "card_transactions_email": Request(Menu.CARD, Service.CARD_TRANSACTIONS_EMAIL),
    "account_info": Request(Menu.ACCOUNTS, None),
    "check_balance": Request(Menu.ACCOUNTS, Service.LINKED_BALANCE),
    "check_all_balances": Request(Menu.ACCOUNTS, Service.ALL_BALANCES),
    "request_statement": Request(Menu.ACCOUNTS, Service.STATEMENT_EMAIL),
}
METHOD_CHOICES = frozenset({"verify_with_card", "verify_with_customer_number", "no_card"})
REFUSAL_RESPONSES = {
    "under_age": "utter_under_age",
    "other_customers_number": "utter_other_customers_number",
    "method_not_allowed": "utter_method_not_allowed",
}
ACCOUNT_KINDS = {
    "sq": {"current": "llogaria rrjedhëse", "savings": "llogaria e kursimit"},
    "en": {"current": "current account", "savings": "savings account"},
}
FORM_SLOTS = ("card_number", "card_pin", "customer_number")


def _needs(kind: str | None, pending: str, menu: Menu) -> Events:
    """Ask the rules to run a verification form, then come back to `pending`."""
    events = [SlotSet("verification_needed", kind), SlotSet("pending_service", pending),
              SlotSet("verification_menu", menu.value)]
    if kind is not None:
        events += [SlotSet(slot, None) for slot in FORM_SLOTS]
    return events


class ActionService(Action):
    def name(self) -> str:
        return "action_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> Events:
        outcome = tracker.get_slot("verification_outcome")
        events: Events = [SlotSet("verification_needed", None)]
        if outcome is not None:  # a verification form has just ended
            events.append(SlotSet("verification_outcome", None))
            if outcome == FAILED:
                dispatcher.utter_message(response="utter_too_many_attempts")
                return events + [SlotSet("verification_attempts", 0)] + hand_off(
                    dispatcher, tracker, AGENT_QUEUE, "verification_failed")
            if outcome != VERIFIED:
                reason = outcome.partition(":")[2]
                dispatcher.utter_message(response=REFUSAL_RESPONSES.get(reason, "utter_default"))
                return events + present("individual", dispatcher, tracker)
            dispatcher.utter_message(response="utter_verified")
            return events + await self._serve(tracker.get_slot("pending_service"), dispatcher,
                                              tracker)
        intent = latest_intent(tracker)
        if intent in METHOD_CHOICES:
            return events + self._choose_method(intent, dispatcher, tracker)
        if intent not in SERVICE_INTENTS:
            intent = tracker.get_slot("pending_service") or "account_info"
        return events + await self._serve(intent, dispatcher, tracker)

    def _choose_method(self, intent: str, dispatcher: CollectingDispatcher,
                       tracker: Tracker) -> Events:
        """The caller picked how to identify for the accounts menu (or said they have no card)."""
        pending = tracker.get_slot("pending_service")
        if pending not in REQUESTS or REQUESTS[pending].menu is not Menu.ACCOUNTS:
            pending = "account_info"
        line = caller_line(tracker, backend().verifier)
        by_customer_number = Method.CUSTOMER_NUMBER in methods_for(Menu.ACCOUNTS, line)
        if intent == "verify_with_card":
            return _needs("card_pin", pending, Menu.ACCOUNTS)
        if by_customer_number:
            return _needs("customer_number", pending, Menu.ACCOUNTS)
        if intent == "no_card":
            dispatcher.utter_message(response="utter_no_card_unregistered")
            return hand_off(dispatcher, tracker, AGENT_QUEUE, "no_card_unregistered")
        dispatcher.utter_message(response="utter_method_not_allowed")
        return _needs("card_pin", pending, Menu.ACCOUNTS)

    async def _serve(self, intent: str | None, dispatcher: CollectingDispatcher,
                     tracker: Tracker) -> Events:
        request = REQUESTS.get(intent or "", REQUESTS["account_info"])
        intent = intent if intent in REQUESTS else "account_info"
        allowed = set(tracker.get_slot("allowed_services") or [])
        method = tracker.get_slot("verified_method")
        verified = bool(allowed)
        if not verified or (request.menu is Menu.CARD and method != Method.CARD_PIN):
            return self._ask_verification(intent, request, verified, dispatcher, tracker)
        if not allowed & {service.value for service in MENU_SERVICES[request.menu]}:
            dispatcher.utter_message(response="utter_needs_credit_card")
            return present("accounts", dispatcher, tracker)
        if request.service is None:
            return present(request.menu.value, dispatcher, tracker)
        if request.service.value not in allowed:
            dispatcher.utter_message(response="utter_no_linked_account")
            return present(request.menu.value, dispatcher, tracker)
        customer_id = int(tracker.get_slot("verified_customer"))
        return await SERVICES[request.service](customer_id, dispatcher, tracker)

    def _ask_verification(self, intent: str, request: Request, verified: bool,
                          dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        if request.menu is Menu.CARD:
            if verified:
                dispatcher.utter_message(response="utter_needs_card_verification")
            return _needs("card_pin", intent, Menu.CARD)
        line = caller_line(tracker, backend().verifier)
        if Method.CUSTOMER_NUMBER in methods_for(Menu.ACCOUNTS, line):
            return _needs(None, intent, Menu.ACCOUNTS) + present("accounts_method", dispatcher,
                                                                 tracker)
        return _needs("card_pin", intent, Menu.ACCOUNTS)


# --- the services themselves -------------------------------------------------------------------

async def credit_limit(customer_id: int, dispatcher: CollectingDispatcher,
                       tracker: Tracker) -> Events:
    lang, voice = language(tracker), is_voice(tracker)
    facts = backend().repository.credit_card_facts(customer_id)
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
    transaction = backend().repository.last_card_transaction(customer_id)
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


async def _email_or_refuse(customer_id: int, dispatcher: CollectingDispatcher) -> str | None:
    address = backend().repository.customer_email(customer_id)
    if address is None:
        dispatcher.utter_message(response="utter_no_email")
    return address


async def _send(mailer: Mailer, message) -> bool:
    try:
        await asyncio.to_thread(mailer.send, *message)
    except OSError:
        return False
    return True


async def card_transactions(customer_id: int, dispatcher: CollectingDispatcher,
                            tracker: Tracker) -> Events:
    address = await _email_or_refuse(customer_id, dispatcher)
    if address is None:
        return present("card", dispatcher, tracker)
    services = backend()
    transactions = services.repository.card_transactions_since_cutoff(customer_id)
    message = card_transactions_email(address, transactions, language(tracker))
    if not await _send(services.mailer, message):
        dispatcher.utter_message(response="utter_email_failed")
        return present("card", dispatcher, tracker)
    dispatcher.utter_message(response="utter_card_transactions_sent", email=masked_email(address))
    return present("card_transactions_done", dispatcher, tracker)


async def linked_balance(customer_id: int, dispatcher: CollectingDispatcher,
                         tracker: Tracker) -> Events:
    lang, voice = language(tracker), is_voice(tracker)
    account = backend().repository.linked_account(customer_id)
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
    accounts = backend().repository.accounts(customer_id)
    if not accounts:
        dispatcher.utter_message(response="utter_no_accounts")
        return present("accounts", dispatcher, tracker)
    lines = [f"{ACCOUNT_KINDS[lang][a.kind]} {currency(a.currency, lang, voice)}: "
             f"{amount(a.available_balance, a.currency, lang, voice)}" for a in accounts]
    dispatcher.utter_message(response="utter_all_balances", balances="; ".join(lines))
    return present("all_balances_done", dispatcher, tracker)


async def statement(customer_id: int, dispatcher: CollectingDispatcher,
                    tracker: Tracker) -> Events:
    lang, voice = language(tracker), is_voice(tracker)
    code = tracker.get_slot("currency")
    if code is None:
        return present("currency", dispatcher, tracker)
    events: Events = [SlotSet("currency", None)]
    address = await _email_or_refuse(customer_id, dispatcher)
    if address is None:
        return events + present("accounts", dispatcher, tracker)
    services = backend()
    accounts = [a for a in services.repository.accounts(customer_id) if a.currency == code]
    if not accounts:
        dispatcher.utter_message(response="utter_no_account_in_currency",
                                 currency=currency(code, lang, voice))
        return events + present("currency", dispatcher, tracker)
    transactions = services.repository.account_transactions(customer_id, code)
    message = statement_email(address, code, accounts, transactions, lang)
    if not await _send(services.mailer, message):
        dispatcher.utter_message(response="utter_email_failed")
        return events + present("accounts", dispatcher, tracker)
    dispatcher.utter_message(response="utter_statement_sent", currency=currency(code, lang, voice),
                             email=masked_email(address))
    return events + present("accounts", dispatcher, tracker)


SERVICES = {
    Service.CREDIT_LIMIT: credit_limit,
    Service.LAST_CARD_TRANSACTION: last_card_transaction,
    Service.CARD_TRANSACTIONS_EMAIL: card_transactions,
    Service.LINKED_BALANCE: linked_balance,
    Service.ALL_BALANCES: all_balances,
    Service.STATEMENT_EMAIL: statement,
}
