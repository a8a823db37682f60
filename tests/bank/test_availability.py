"""The bank database that cannot answer: one typed answer (`BankUnavailable`), within a bound,
and nothing half done; the next request after the fault works (bot/bank/db.py)."""

from __future__ import annotations

import os
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.schema import CreateTable

from bot.bank.db import (
    BankUnavailable,
    DatabaseLimits,
    make_engine,
    session_factory,
    upgrade_schema,
)
from bot.bank.models import Complaint, HandoffRecord
from bot.bank.repository import BankRepository
from tests.bank.conftest import customer_id_of

QUICK = DatabaseLimits(lock_wait_s=0.5, statement_s=2.0)


def repository_on(url: str) -> BankRepository:
    return BankRepository(session_factory(make_engine(url, QUICK)))


def complaints(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Complaint))


def test_a_locked_database_is_unavailable_then_works(bank_url: str, sessions) -> None:
    """A long write elsewhere holds the complaints table: the request gives up after the lock
    wait, records nothing, and works once the lock is gone."""
    repository = repository_on(bank_url)
    elira = customer_id_of(repository, "registered_debit")
    before = complaints(sessions)
    holder = sessions.kw["bind"].connect()
    transaction = holder.begin()
    if holder.dialect.name == "sqlite":
        holder.exec_driver_sql("INSERT INTO complaints (reference, channel, summary, created_at)"
                               " VALUES ('held', 'web', 'x', '2026-01-01')")
    else:
        holder.execute(text("LOCK TABLE complaints IN ACCESS EXCLUSIVE MODE"))
    try:
        with pytest.raises(BankUnavailable, match="unavailable"):
            repository.record_complaint(channel="web", summary="s", customer_id=elira)
    finally:
        transaction.rollback()
        holder.close()
    assert complaints(sessions) == before
    assert repository.record_complaint(channel="web", summary="s", customer_id=elira)
    assert complaints(sessions) == before + 1


def test_a_database_that_is_not_there_is_unavailable() -> None:
    down = BankRepository(session_factory(make_engine(
        "postgresql://bank:x@127.0.0.1:9/bank", QUICK)))
    with pytest.raises(BankUnavailable):
        down.phone_owner("+355694102047")


def test_a_damaged_database_file_is_unavailable_then_works_when_repaired(
        tmp_path: Path, demo_template: Path) -> None:
    path = tmp_path / "bank.db"
    original = demo_template.read_bytes()
    path.write_bytes(os.urandom(len(original)))
    repository = repository_on(f"sqlite:///{path}")
    with pytest.raises(BankUnavailable):
        repository.phone_owner("+355694102047")
    path.write_bytes(original)
    assert repository.phone_owner("+355694102047") is not None


def test_a_wrong_request_is_not_called_unavailable(bank_url: str) -> None:
    """An integrity error is the request's fault, not the database's: it stays what it is."""
    repository = repository_on(bank_url)
    with pytest.raises(ValueError):
        repository.record_handoff("nowhere", "x", {}, channel="web")
    with repository_on(bank_url)._sessions() as session, pytest.raises(Exception) as raised:
        session.execute(text("INSERT INTO handoffs (id) VALUES (NULL)"))
    assert not isinstance(raised.value, BankUnavailable)


# --- once per request ---------------------------------------------------------------------------


def test_the_same_request_key_records_once(repository: BankRepository, sessions) -> None:
    first = repository.record_complaint(channel="web", summary="s", request_key="k1")
    again = repository.record_complaint(channel="web", summary="s", request_key="k1")
    other = repository.record_complaint(channel="web", summary="s", request_key="k2")
    assert first == again != other
    handoff = repository.record_handoff("agent", "complaint", {}, channel="web", request_key="h1")
    assert repository.record_handoff("agent", "complaint", {}, channel="web",
                                     request_key="h1") == handoff
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 2
        assert session.scalar(select(func.count()).select_from(HandoffRecord)) == 1


def test_the_same_request_sent_twice_at_once_records_once(bank_url: str, sessions) -> None:
    """Two replicas' retries of one request at the same moment: one record, one reference."""
    servers = [repository_on(bank_url) for _ in range(4)]
    barrier = threading.Barrier(len(servers))

    def record(server: BankRepository) -> str:
        barrier.wait()
        return server.record_complaint(channel="voice", summary="s", request_key="same")

    with ThreadPoolExecutor(len(servers)) as pool:
        references = set(pool.map(record, servers))
    assert len(references) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)
                              .where(Complaint.request_key == "same")) == 1



def _drop_request_keys(url: str) -> None:
    """Make the complaints and hand-offs tables what they were before request keys."""
    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                for table in ("complaints", "handoffs"):
                    connection.execute(text(f"ALTER TABLE {table} DROP COLUMN request_key"))
            return
        # SQLite drops no UNIQUE column: each table is made again as it was, without it
        with closing(sqlite3.connect(engine.url.database, isolation_level=None)) as db:
            for model in (Complaint, HandoffRecord):
                table = model.__table__
                kept = [column.name for column in table.columns if column.name != "request_key"]
                ddl = str(CreateTable(table).compile(dialect=engine.dialect))
                old = ",\n".join(line.rstrip(", ") for line in ddl.strip().split("\n")[1:-1]
                                 if "request_key" not in line)
                db.execute(f"CREATE TABLE old ({old})")
                db.execute(f"INSERT INTO old SELECT {', '.join(kept)} FROM {table.name}")  # noqa: S608
                db.execute(f"DROP TABLE {table.name}")
                db.execute(f"ALTER TABLE old RENAME TO {table.name}")
    finally:
        engine.dispose()


def test_an_older_database_gets_request_keys_and_records_once(bank_url: str,
                                                               card_key: bytes) -> None:
    """A bank database made before request keys: the action server's first use (and `bot db
    init`) adds them, and a retried complaint is then recorded once."""
    _drop_request_keys(bank_url)
    engine = make_engine(bank_url)
    try:
        upgrade_schema(engine, card_key)
        upgrade_schema(engine, card_key)  # done once
        with engine.connect() as connection:
            for table in ("complaints", "handoffs"):
                assert "request_key" in {column["name"] for column in
                                         inspect(connection).get_columns(table)}
    finally:
        engine.dispose()
    repository = repository_on(bank_url)
    first = repository.record_complaint(channel="web", summary="s", request_key="old-db")
    assert repository.record_complaint(channel="web", summary="s", request_key="old-db") == first
    handoff = repository.record_handoff("agent", "complaint", {}, channel="web",
                                        request_key="old-db")
    assert repository.record_handoff("agent", "complaint", {}, channel="web",
                                     request_key="old-db") == handoff
