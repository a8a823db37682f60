"""What a caller can ask the banking services for: intent -> menu and service.

`SERVICE_INTENTS` (every intent `action_service` answers) is derived from `REQUESTS` and
`METHOD_CHOICES`, so a new request needs one line here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.bank.access import Service, ServiceMenu


@dataclass(frozen=True)
class Request:
    menu: ServiceMenu
    service: Service | None  # None: open the menu itself


REQUESTS: Mapping[str, Request] = MappingProxyType({
    "card_info": Request(ServiceMenu.CARD, None),
    "credit_limit": Request(ServiceMenu.CARD, Service.CREDIT_LIMIT),
    "last_card_transaction": Request(ServiceMenu.CARD, Service.LAST_CARD_TRANSACTION),
    "card_transactions_email": Request(ServiceMenu.CARD, Service.CARD_TRANSACTIONS_EMAIL),
    "account_info": Request(ServiceMenu.ACCOUNTS, None),
    "check_balance": Request(ServiceMenu.ACCOUNTS, Service.LINKED_BALANCE),
    "check_all_balances": Request(ServiceMenu.ACCOUNTS, Service.ALL_BALANCES),
    "request_statement": Request(ServiceMenu.ACCOUNTS, Service.STATEMENT_EMAIL),
    "balances_email": Request(ServiceMenu.ACCOUNTS, Service.BALANCES_EMAIL),
})
# How to identify for the accounts menu (spec 4.2.2), or "I have no card".
METHOD_CHOICES = frozenset({"verify_with_card", "verify_with_customer_number", "no_card"})
SERVICE_INTENTS = frozenset(REQUESTS) | METHOD_CHOICES


def service_of(intent: str) -> Service | None:
    """The service an intent asks for (None for a menu, a method choice or anything else)."""
    request = REQUESTS.get(intent)
    return request.service if request is not None else None
