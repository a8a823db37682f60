"""Engine, sessions and schema of the bank database.

Every wait on the database is bounded (`DatabaseLimits`): a locked SQLite file, a PostgreSQL
lock, a slow statement or a server that does not answer ends in `BankUnavailable` within
seconds, never a request that hangs. `BankUnavailable` is also what a database that is down,
restarting or damaged raises: the one typed answer for "the bank cannot answer right now, the
same request may work later". Stale pooled connections (after a PostgreSQL restart) are
replaced before use, so the first request after the restart already works.

The schema is made with `metadata.create_all` (idempotent: existing tables are kept). There are
no migrations yet: Alembic is not needed while the schema is only ever created fresh; add it
before the first change to a schema that holds data worth keeping.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, exc, func, inspect, select
from sqlalchemy.engine import Engine, ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.bank.demo import load_demo_bank
from bot.bank.models import Base, Customer

SessionFactory = Callable[[], Session]


class DatabaseNotEmptyError(RuntimeError):
    """The demo bank was asked for on a database that already holds customers."""


class BankUnavailable(RuntimeError):
    """The bank database cannot answer now: down, restarting, locked past the bound, damaged.

    The transaction that got it was rolled back; the same request may be tried again later."""


@dataclass(frozen=True)
class DatabaseLimits:
    """How long one request may wait on the database before it is `BankUnavailable`.

    A caller waits for every one of them in the worst case, so together they stay well below
    what the assistant allows an action (`bot.channels.kept_turns.ACTION_TIMEOUT_S`)."""

    lock_wait_s: float = 2.0  # a row or table lock held by someone else (SQLite: the file)
    statement_s: float = 5.0  # one statement (PostgreSQL)
    connect_s: int = 3  # reaching the server (PostgreSQL; whole seconds)
    pool_wait_s: float = 5.0  # a free pooled connection
    pool_size: int = 8  # connections per process: the action server's threads (+ overflow)
    pool_overflow: int = 4


# BOT_DB_LOCK_WAIT_S: the lock wait (tests lengthen it to tell a waiting request from others).
LIMITS = DatabaseLimits(lock_wait_s=float(os.environ.get("BOT_DB_LOCK_WAIT_S", "2")))


@dataclass(frozen=True)
class InitReport:
    """What `init_database` left behind."""

    tables: tuple[str, ...]
    customers: int


def _enable_sqlite_foreign_keys(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _bounded(backend: str, limits: DatabaseLimits) -> dict[str, Any]:
    """create_engine arguments that bound every wait of `backend` by `limits`."""
    if backend == "sqlite":
        return {"connect_args": {"timeout": limits.lock_wait_s}}
    if backend == "postgresql":
        options = (f"-c lock_timeout={int(limits.lock_wait_s * 1000)} "
                   f"-c statement_timeout={int(limits.statement_s * 1000)}")
        return {"connect_args": {"connect_timeout": limits.connect_s, "options": options},
                "pool_pre_ping": True, "pool_timeout": limits.pool_wait_s,
                "pool_size": limits.pool_size, "max_overflow": limits.pool_overflow}
    return {"pool_pre_ping": True}


# DBAPI errors that mean "not now" rather than "wrong request": an integrity error (a duplicate,
# a broken foreign key) or a programming error is a fault of the request and stays what it is.
_NOT_NOW = (exc.OperationalError, exc.InterfaceError)


def _unavailable(context: ExceptionContext) -> None:
    error = context.sqlalchemy_exception
    # a plain DatabaseError (no subclass) is SQLite's "file is not a database" / "malformed"
    if isinstance(error, _NOT_NOW) or type(error) is exc.DatabaseError:
        raise BankUnavailable(f"bank database unavailable: {type(error.orig).__name__}: "
                              f"{str(error.orig).strip()[:200]}") from error


def make_engine(url: str, limits: DatabaseLimits = LIMITS) -> Engine:
    """A 2.0-style engine whose waits are bounded by `limits` and whose "not now" errors are
    `BankUnavailable`. SQLite: foreign keys on, and the file's folder made if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, **_bounded(parsed.get_backend_name(), limits))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    event.listen(engine, "handle_error", _unavailable)
    return engine


def session_factory(url_or_engine: str | Engine) -> sessionmaker:
    """Sessions on the database; objects stay readable after commit."""
    engine = url_or_engine if isinstance(url_or_engine, Engine) else make_engine(url_or_engine)
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


def create_schema(engine: Engine) -> None:
    """Create every missing table and index."""
    Base.metadata.create_all(engine)


def drop_schema(engine: Engine) -> None:
    """Drop every table of the bank schema (and its data)."""
    Base.metadata.drop_all(engine)


def count_customers(engine: Engine) -> int:
    with Session(engine, future=True) as session:
        return session.scalar(select(func.count()).select_from(Customer)) or 0


def init_database(url: str, *, demo: bool, reset: bool, card_key: bytes, today: date) -> InitReport:
    """Create the schema; with `reset` drop it first; with `demo` fill in the demo bank.

    The demo bank's dates are relative to `today`. Asking for the demo bank on a database that
    already holds customers raises `DatabaseNotEmptyError` (use `reset`).
    """
    engine = make_engine(url)
    try:
        if reset:
            drop_schema(engine)
        create_schema(engine)
        if demo:
            if count_customers(engine):
                raise DatabaseNotEmptyError("the database already holds customers")
            with Session(engine, future=True) as session, session.begin():
                load_demo_bank(session, card_key=card_key, today=today)
        tables = tuple(sorted(inspect(engine).get_table_names()))
        return InitReport(tables=tables, customers=count_customers(engine))
    finally:
        engine.dispose()
