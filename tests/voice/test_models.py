"""Which model serves which language: none by default (keypad-first), configured per language;
a loaded model is shared by the whole process."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.voice.models import (
    ModelConfigError,
    ModelInfo,
    env_var,
    load_model,
    model_for,
    named_model,
)


def test_no_model_by_default_means_keypad_first() -> None:
    assert model_for("sq", env={}) is None
    assert model_for("en", env={}) is None
    assert model_for("en", env={"BOT_VOSK_MODEL_EN": "  "}) is None


def test_setting_names_the_variable_per_language() -> None:
    assert env_var("en") == "BOT_VOSK_MODEL_EN"
    assert env_var("sq") == "BOT_VOSK_MODEL_SQ"


def test_named_korean_model_from_its_package() -> None:
    info = model_for("en", env={"BOT_VOSK_MODEL_EN": "ko"})
    assert info is not None
    assert (info.name, info.lang) == ("ko", "en")
    assert (info.path / "am" / "final.mdl").is_file()
    assert info.supports_phrases  # a small model: phrase lists at run time
    assert model_for("sq", env={"BOT_VOSK_MODEL_EN": "ko"}) is None


def test_model_directory_from_the_environment(tmp_path: Path) -> None:
    model = tmp_path / "vosk-model-small-en-us-0.15"
    (model / "am").mkdir(parents=True)
    (model / "conf").mkdir()
    (model / "am" / "final.mdl").write_bytes(b"")
    (model / "conf" / "model.conf").write_text("")
    info = model_for("en", env={"BOT_VOSK_MODEL_EN": str(model)})
    assert info == ModelInfo("vosk-model-small-en-us-0.15", model.resolve(), "en")
    assert not info.supports_phrases  # no graph/HCLr.fst + Gr.fst here


def test_a_wrong_setting_is_an_error_not_a_silent_keypad_line(tmp_path: Path) -> None:
    with pytest.raises(ModelConfigError, match="does not exist"):
        model_for("en", env={"BOT_VOSK_MODEL_EN": str(tmp_path / "missing")})
    with pytest.raises(ModelConfigError, match=r"missing am/final\.mdl"):
        model_for("en", env={"BOT_VOSK_MODEL_EN": str(tmp_path)})
    with pytest.raises(ModelConfigError, match="unknown named model"):
        named_model("xx")


def test_a_model_is_loaded_once_and_shared(ko_model: ModelInfo) -> None:
    loaded = []
    threads = [
        threading.Thread(target=lambda: loaded.append(load_model(ko_model))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    same = named_model("ko")  # another ModelInfo for the same directory
    assert all(model is loaded[0] for model in loaded)
    assert load_model(same) is loaded[0]
