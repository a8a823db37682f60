"""The keypad menu tree as data (`menus.yml`), shared by keys, web buttons and spoken prompts."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT
from bot.i18n import LANGUAGES
from bot.payloads import KEYS  # the keypad is defined with the payloads (bot.sip reads it)

MENUS_FILE = PROJECT_ROOT / "menus.yml"
PRESS_WORDS = {"sq": "Shtypni", "en": "Press"}
KEY_WORDS = {"sq": {"*": "yllin", "#": "kryqin"}, "en": {"*": "star", "#": "hash"}}


@dataclass(frozen=True)
class MenuItem:
    """One key of a menu and the intent it stands for."""

    key: str
    title: Mapping[str, str]
    say: Mapping[str, str]
    intent: str
    entities: Mapping[str, str] = field(default_factory=dict)

    @property
    def payload(self) -> str:
        """The message that pressing this key sends, in Rasa's `/intent{...}` form."""
        if not self.entities:
            return f"/{self.intent}"
        return f"/{self.intent}{json.dumps(dict(self.entities), separators=(',', ':'))}"


@dataclass(frozen=True)
class Menu:
    """A menu: its prompt and its items, in key order as the bank numbers them."""

    name: str
    parent: str | None
    prompt: Mapping[str, str]
    items: tuple[MenuItem, ...]
    default_key: str | None = None
    readout: bool = False
    announce_items: bool = True
    spoken_prompt: Mapping[str, str] | None = None  # said instead of `prompt` on the phone

    def item(self, key: str) -> MenuItem | None:
        return next((item for item in self.items if item.key == key), None)

    def keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)

    def without(self, intents: Collection[str]) -> Menu:
        """The same menu without the items of `intents` (the other keys keep their numbers)."""
        if not intents:
            return self
        return replace(self, items=tuple(i for i in self.items if i.intent not in intents))

    def spoken(self, lang: str) -> str:
        """The prompt as the phone line says it: "Shtypni 1 për ..., 2 për ..." / "Press 1 for
        ..., 2 for ...": "press" once, the items as one list (a caller hears it in seconds)."""
        said = self.prompt if self.spoken_prompt is None else self.spoken_prompt
        parts = [said[lang]] if said.get(lang) else []
        if self.announce_items and self.items:
            listed = ", ".join(f"{key_word(item.key, lang)} {item.say[lang]}"
                               for item in self.items)
            parts.append(f"{PRESS_WORDS[lang]} {listed}.")
        return " ".join(parts)

    def buttons(self, lang: str) -> list[dict[str, str]]:
        """Web chat buttons: the key and title as text, the item's intent as payload."""
        return [{"title": f"{item.key} · {item.title[lang]}", "payload": item.payload}
                for item in self.items]


def key_word(key: str, lang: str) -> str:
    return KEY_WORDS[lang].get(key, key)


def _item(raw: Mapping) -> MenuItem:
    return MenuItem(
        key=str(raw["key"]),
        title=dict(raw["title"]),
        say=dict(raw["say"]),
        intent=raw["intent"],
        entities={k: str(v) for k, v in (raw.get("entities") or {}).items()},
    )


def parse_menus(document: Mapping) -> dict[str, Menu]:
    """Build menus from the parsed YAML document, checking keys and languages."""
    menus: dict[str, Menu] = {}
    for name, raw in document["menus"].items():
        items = tuple(_item(item) for item in raw["items"])
        menu = Menu(
            name=name,
            parent=raw.get("parent"),
            prompt=dict(raw.get("prompt") or {}),
            items=items,
            default_key=raw.get("default"),
            readout=bool(raw.get("readout", False)),
            announce_items=bool(raw.get("announce_items", True)),
            spoken_prompt=(None if raw.get("spoken_prompt") is None
                           else dict(raw["spoken_prompt"])),
        )
        _check(menu)
        menus[name] = menu
    for menu in menus.values():
        if menu.parent is not None and menu.parent not in menus:
            raise ValueError(f"menu {menu.name!r}: unknown parent {menu.parent!r}")
    return menus


def _check(menu: Menu) -> None:
    if menu.spoken_prompt is not None and set(menu.spoken_prompt) != set(LANGUAGES):
        raise ValueError(f"menu {menu.name!r}: spoken_prompt needs exactly {sorted(LANGUAGES)}")
    keys = menu.keys()
    if len(set(keys)) != len(keys):
        raise ValueError(f"menu {menu.name!r}: a key is used twice")
    if not set(keys) <= KEYS:
        raise ValueError(f"menu {menu.name!r}: keys must be among {sorted(KEYS)}")
    for item in menu.items:
        for text in (item.title, item.say):
            missing = set(LANGUAGES) - set(text)
            if missing:
                raise ValueError(f"menu {menu.name!r} key {item.key}: missing {sorted(missing)}")


@lru_cache(maxsize=4)
def load_menus(path: Path = MENUS_FILE) -> dict[str, Menu]:
    with path.open(encoding="utf-8") as handle:
        return parse_menus(yaml.safe_load(handle))


def menu_for(name: str) -> Menu:
    return load_menus()[name]


def readout_menu_for(intent: str) -> Menu | None:
    """The short menu heard after the answer to `intent` is read out, if there is one."""
    return next((m for m in load_menus().values()
                 if m.readout and any(item.intent == intent for item in m.items)), None)
