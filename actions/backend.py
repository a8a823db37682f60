"""The bank services the actions use, built once per action-server process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from bot.bank.db import make_engine, session_factory, upgrade_schema
from bot.bank.repository import BankRepository
from bot.bank.verification import Verifier
from bot.config import Settings
from bot.mail.mailer import Mailer
from bot.security.secret_keys import card_key, trust_key


@dataclass(frozen=True)
class Backend:
    settings: Settings
    repository: BankRepository
    verifier: Verifier
    mailer: Mailer
    card_key: bytes
    trust_key: bytes


@lru_cache(maxsize=1)
def backend() -> Backend:
    settings = Settings.from_env()
    key = card_key(settings)
    engine = make_engine(settings.database_url)
    upgrade_schema(engine, key)  # a database from before the customer-number hash: hashed now
    sessions = session_factory(engine)
    return Backend(
        settings=settings,
        repository=BankRepository(sessions),
        verifier=Verifier(sessions, key, today=date.today),
        mailer=Mailer(settings.smtp_host, settings.smtp_port, settings.mail_from),
        card_key=key,
        trust_key=trust_key(settings),
    )
