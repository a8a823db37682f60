"""Engine, sessions and schema of the bank database.

The schema is made with `metadata.create_all` (idempotent: existing tables are kept). There are
no migrations yet: Alembic is not needed while the schema is only ever created fresh; add it
before the first change to a schema that holds data worth keeping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, event, func, inspect, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.bank.demo import load_demo_bank
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
