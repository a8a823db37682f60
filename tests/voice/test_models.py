"""Which model serves which language: none by default (keypad-first), configured per language;
a loaded model is shared by the whole process."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest

from bot.voice.asr import Recognizer
from bot.voice.models import (
    DecoderSearch,
    ModelConfigError,
    ModelInfo,
    env_var,
    load_model,
    model_for,
    named_model,
    searched_view,
)
from tests.voice.test_asr import Speak, finals, said, stream


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


def test_the_decoder_search_is_set_per_language() -> None:
    env = {"BOT_VOSK_MODEL_SQ": "ko", "BOT_VOSK_MODEL_EN": "ko",
           "BOT_VOSK_SEARCH_SQ": "beam=8, max-active=1000"}
    albanian, english = model_for("sq", env=env), model_for("en", env=env)
    assert albanian is not None and english is not None
    assert albanian.search == DecoderSearch(beam=8.0, max_active=1000)
    assert english.search == DecoderSearch()  # the model's own
    assert DecoderSearch.parse("max-active=500") == DecoderSearch(max_active=500)
    for wrong in ("beam=0", "beam=wide", "max-active=1.5", "lattice-beam=4", "beam"):
        with pytest.raises(ModelConfigError, match="decoder search"):
            DecoderSearch.parse(wrong)


def test_a_search_is_loaded_from_a_view_and_the_model_is_left_as_it_was(tmp_path: Path) -> None:
    model = tmp_path / "model"
    for name in ("am/final.mdl", "graph/HCLr.fst", "conf/mfcc.conf"):
        (model / name).parent.mkdir(parents=True, exist_ok=True)
        (model / name).write_text(name)
    own = "--min-active=200\n--max-active=3000\n--beam=10.0\n--lattice-beam=2.0\n"
    (model / "conf" / "model.conf").write_text(own)
    (tmp_path / "view").mkdir()
    view = searched_view(model, DecoderSearch(beam=8.0), tmp_path / "view")
    assert (view / "conf" / "model.conf").read_text().splitlines() == [
        "--min-active=200", "--max-active=3000", "--lattice-beam=2.0", "--beam=8.0"]
    assert (view / "am" / "final.mdl").read_text() == "am/final.mdl"  # linked, not copied
    assert (view / "conf" / "mfcc.conf").is_symlink() and (view / "graph").is_symlink()
    assert (model / "conf" / "model.conf").read_text() == own


@pytest.mark.slow
def test_a_narrow_search_is_its_own_model_and_hears_the_same_words(
        ko_model: ModelInfo, speak: Speak) -> None:
    narrow = replace(ko_model, search=DecoderSearch(beam=8.0, max_active=1000))
    assert load_model(narrow) is not load_model(ko_model)
    # the cache goes by folder and search: an equal setting read again is the same model
    again = replace(narrow, search=DecoderSearch.parse("beam=8,max-active=1000"))
    assert load_model(again) is load_model(narrow)
    for info in (ko_model, narrow):
        pcm = said(speak, ["이", "네"], 8000)
        assert finals(stream(Recognizer(info, 8000), pcm)) == ["이", "네"], info.search
