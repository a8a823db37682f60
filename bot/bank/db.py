"""Engine, sessions and schema of the bank database.

Every wait on the database is bounded (`DatabaseLimits`): a locked SQLite file, a PostgreSQL
lock, a slow statement or a server that does not answer ends in `BankUnavailable` within
seconds, never a request that hangs. `BankUnavailable` is also what a database that is down,
restarting or damaged raises: the one typed answer for "the bank cannot answer right now, the
same request may work later". Stale pooled connections (after a PostgreSQL restart) are
replaced before use, so the first request after the restart already works.

The schema is made with `metadata.create_all` (idempotent: existing tables are kept). Two changes
to a schema holding data are made in place by `upgrade_schema` (at `bot db init` and when the
action server first opens the database): customer numbers once stored in clear are replaced by
their keyed hash, and complaints and hand-offs get their (empty) request keys. Add Alembic
before the next such change.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, exc, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine, ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.bank.demo import load_demo_bank
from bot.bank.hashing import customer_number_digest
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


def upgrade_schema(engine: Engine, card_key: bytes) -> int:
    """Create what is missing and hash customer numbers still stored in clear; how many were.

    Complaints and hand-offs of a database made before request keys get the column (empty for
    the records there) with its unique index.

    A database made before the keyed hash has a `customer_number` column: it is renamed (and on
    PostgreSQL widened) in the same transaction that hashes its values. The freed pages that
    held the clear numbers are then rewritten (SQLite `VACUUM`, PostgreSQL `VACUUM FULL`), so
    the file alone no longer holds them."""
    create_schema(engine)
    with engine.begin() as connection:
        columns = {column["name"] for column in inspect(connection).get_columns("customers")}
        if "customer_number" in columns and "customer_number_digest" not in columns:
            if connection.dialect.name == "postgresql":
                connection.execute(text(
                    "ALTER TABLE customers ALTER COLUMN customer_number TYPE VARCHAR(64)"))
            connection.execute(text(
                "ALTER TABLE customers RENAME COLUMN customer_number TO customer_number_digest"))
        _add_request_keys(connection)
        hashed = _hash_clear_customer_numbers(connection, card_key)
    if hashed:
        _rewrite_free_pages(engine)
    return hashed


def _add_request_keys(connection: Connection) -> None:
    for table in ("complaints", "handoffs"):
        columns = {column["name"] for column in inspect(connection).get_columns(table)}
        if "request_key" not in columns:
            connection.execute(text(f"ALTER TABLE {table} ADD COLUMN request_key VARCHAR(64)"))
            connection.execute(text(
                f"CREATE UNIQUE INDEX uq_{table}_request_key ON {table} (request_key)"))


def _hash_clear_customer_numbers(connection: Connection, card_key: bytes) -> int:
    column = Customer.__table__.c.customer_number_digest
    clear = connection.execute(
        select(Customer.__table__.c.id, column).where(func.length(column) != 64)).all()
    for row_id, number in clear:
        connection.execute(Customer.__table__.update().where(Customer.__table__.c.id == row_id)
                           .values(customer_number_digest=customer_number_digest(number,
                                                                                 card_key)))
    return len(clear)


def _rewrite_free_pages(engine: Engine) -> None:
    statement = {"sqlite": "VACUUM", "postgresql": "VACUUM FULL customers"}.get(engine.dialect.name)
    if statement is None:
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(statement))


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
        upgrade_schema(engine, card_key)
        if demo:
            if count_customers(engine):
                raise DatabaseNotEmptyError("the database already holds customers")
            with Session(engine, future=True) as session, session.begin():
                load_demo_bank(session, card_key=card_key, today=today)
        tables = tuple(sorted(inspect(engine).get_table_names()))
        return InitReport(tables=tables, customers=count_customers(engine))
    finally:
        engine.dispose()
