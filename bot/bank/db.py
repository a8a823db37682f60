"""Engine, sessions and schema of the bank database.

The schema is made with `metadata.create_all` (idempotent: existing tables are kept). One change
to a schema holding data is made in place by `upgrade_schema` (at `bot db init` and when the
action server first opens the database): customer numbers once stored in clear are replaced by
their keyed hash. Add Alembic before the next such change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, event, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.bank.demo import load_demo_bank
from bot.bank.hashing import customer_number_digest
from bot.bank.models import Base, Customer

SessionFactory = Callable[[], Session]


class DatabaseNotEmptyError(RuntimeError):
    """The demo bank was asked for on a database that already holds customers."""


@dataclass(frozen=True)
class InitReport:
    """What `init_database` left behind."""

    tables: tuple[str, ...]
    customers: int


def _enable_sqlite_foreign_keys(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """A 2.0-style engine. SQLite: foreign keys on, and the file's folder made if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
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
        hashed = _hash_clear_customer_numbers(connection, card_key)
    if hashed:
        _rewrite_free_pages(engine)
    return hashed


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
