"""Fetching official models: checksums checked, archives unpacked safely, and a clear message
when there is no internet (tested against addresses that cannot answer, on any machine)."""

from __future__ import annotations

import hashlib
import socket
import time
import zipfile
from pathlib import Path

import pytest

from bot.voice.fetch import (
    KNOWN_SHA256,
    ChecksumError,
    FetchError,
    OfflineError,
    fetch_models,
    install_archive,
    main,
    model_lang,
)
from bot.voice.models import check_model_dir

NAME = "vosk-model-small-en-us-0.15"


def closed_port_url() -> str:
    with socket.socket() as sock:  # a port nobody listens on: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/vosk/models/"


def make_model_zip(path: Path, name: str, extra: dict[str, bytes] | None = None) -> str:
    """A zip laid out like an official model; its SHA-256."""
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr(f"{name}/am/final.mdl", b"acoustic model")
        bundle.writestr(f"{name}/conf/model.conf", b"--sample-frequency=16000\n")
        bundle.writestr(f"{name}/README", b"test model")
        for member, data in (extra or {}).items():
            bundle.writestr(member, data)
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("base_url", [closed_port_url(), "http://vosk-models.invalid/"])
def test_without_network_the_operator_is_told_what_to_do(base_url: str, tmp_path: Path) -> None:
    dest = tmp_path / "models"
    started = time.monotonic()
    with pytest.raises(OfflineError) as failure:
        fetch_models([NAME], dest, base_url=base_url, timeout=3)
    assert time.monotonic() - started < 10
    message = str(failure.value)
    assert f"{base_url}{NAME}.zip" in message
    assert "no internet access" in message
    assert f"unzip it into {dest}" in message
    assert str(dest / NAME / "am" / "final.mdl") in message
    assert f"BOT_VOSK_MODEL_EN={dest / NAME}" in message
    assert KNOWN_SHA256[NAME][0] in message  # what to check the hand-carried file against
    assert not dest.exists()  # no empty folder left behind


def test_command_reports_the_offline_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([NAME, "--dest", str(tmp_path), "--base-url", closed_port_url(), "--timeout", "3"])
    assert code == 1
    assert "BOT_VOSK_MODEL_EN=" in capsys.readouterr().err


def test_a_model_without_a_known_checksum_needs_one(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="--sha256 vosk-model-small-de-0.15="):
        fetch_models(["vosk-model-small-de-0.15"], tmp_path, base_url=closed_port_url())
    with pytest.raises(FetchError, match="64 hexadecimal digits"):
        fetch_models(
            ["vosk-model-small-de-0.15"], tmp_path, sha256={"vosk-model-small-de-0.15": "abc"}
        )
    with pytest.raises(FetchError, match="not an official Vosk model name"):
        fetch_models(["../../etc"], tmp_path)


def test_install_checks_the_checksum(tmp_path: Path) -> None:
    archive = tmp_path / "model.zip"
    digest = make_model_zip(archive, "vosk-model-test-0.1")
    dest = tmp_path / "models"
    with pytest.raises(ChecksumError, match=f"expected {'0' * 64}"):
        install_archive(archive, "vosk-model-test-0.1", "0" * 64, dest)
    assert not (dest / "vosk-model-test-0.1").exists()
    installed = install_archive(archive, "vosk-model-test-0.1", digest, dest)
    assert installed == (dest / "vosk-model-test-0.1").resolve()
    assert check_model_dir(installed) == installed
    assert (installed / "README").read_bytes() == b"test model"
    assert [p.name for p in dest.iterdir()] == ["vosk-model-test-0.1"]  # no leftovers


def test_install_refuses_entries_outside_the_model(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    digest = make_model_zip(archive, "vosk-model-test-0.1", {"../outside.txt": b"x"})
    with pytest.raises(FetchError, match="unexpected entry"):
        install_archive(archive, "vosk-model-test-0.1", digest, tmp_path / "models")
    assert not (tmp_path / "outside.txt").exists()


def test_fetch_from_a_mirror_verifies_and_unpacks(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    digest = make_model_zip(mirror / "vosk-model-test-0.1.zip", "vosk-model-test-0.1")
    dest = tmp_path / "models"
    [path] = fetch_models(
        ["vosk-model-test-0.1"],
        dest,
        sha256={"vosk-model-test-0.1": digest},
        base_url=mirror.as_uri(),
    )
    assert path == (dest / "vosk-model-test-0.1").resolve()
    wrong = make_model_zip(mirror / "vosk-model-test-0.2.zip", "vosk-model-test-0.2")[::-1]
    with pytest.raises(ChecksumError):
        fetch_models(
            ["vosk-model-test-0.2"],
            dest,
            sha256={"vosk-model-test-0.2": wrong},
            base_url=mirror.as_uri(),
        )
    with pytest.raises(FetchError, match="no such file"):
        fetch_models(
            ["vosk-model-test-0.3"],
            dest,
            sha256={"vosk-model-test-0.3": digest},
            base_url=mirror.as_uri(),
        )
    assert sorted(p.name for p in dest.iterdir()) == ["vosk-model-test-0.1"]  # no leftovers
    # an installed model is kept without any download (the mirror is gone now)
    (mirror / "vosk-model-test-0.1.zip").unlink()
    assert fetch_models(
        ["vosk-model-test-0.1"],
        dest,
        sha256={"vosk-model-test-0.1": digest},
        base_url=closed_port_url(),
    ) == [path]


def test_language_of_official_names() -> None:
    assert model_lang("vosk-model-small-en-us-0.15") == "en"
    assert model_lang("vosk-model-en-us-0.22-lgraph") == "en"
    assert model_lang("vosk-model-small-ko-0.22") == "ko"
