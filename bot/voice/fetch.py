"""Fetch official Vosk models from the Vosk project's download site, checking SHA-256 checksums.

    bot fetch-models vosk-model-small-en-us-0.15 [--dest models/vosk]
    bot fetch-models NAME --sha256 NAME=HEX      (a model without a checksum below)

The site publishes no SHA-256 checksums. `KNOWN_SHA256` holds only what is known with
confidence; for any other model the operator passes the checksum they obtained and checked
themselves, and nothing is installed without one. Without internet the command fails with the
steps to install a model by hand. A model lands in `<dest>/<name>/`; the setting that points the
assistant at it is `BOT_VOSK_MODEL_<LANG>` (see `bot.voice.models`).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import re
import shutil
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.voice.models import ModelConfigError, check_model_dir, env_var

VOSK_MODELS_URL = "https://alphacephei.com/vosk/models/"
DEFAULT_DEST = PROJECT_ROOT / "models" / "vosk"
# SHA-256 and size of the official zip archives. vosk-model-small-en-us-0.15: the same digest and
# size (41,205,931 bytes) are recorded by several unrelated projects that download the archive
# from the Vosk site; it was not downloaded here (no internet). Add others only when as sure.
KNOWN_SHA256: dict[str, tuple[str, int]] = {
    "vosk-model-small-en-us-0.15": (
        "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
        41_205_931,
    ),
}
MODEL_NAME = re.compile(r"^vosk-model-[a-z0-9][a-z0-9.\-]*$")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1 << 20
ALLOWED_SCHEMES = ("https", "http", "file")  # file: a mirror on a mounted disk


class FetchError(RuntimeError):
    """A model could not be fetched or installed; the message says what to do."""


class OfflineError(FetchError):
    """The download site could not be reached."""


class ChecksumError(FetchError):
    """A downloaded archive does not match its expected SHA-256."""


def model_lang(name: str) -> str:
    """The language code in an official model name (`vosk-model-small-en-us-0.15` -> `en`)."""
    parts = name.removeprefix("vosk-model-").split("-")
    if parts and parts[0] == "small":
        parts = parts[1:]
    return parts[0] if parts else "xx"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def expected_sha256(name: str, given: Mapping[str, str] | None = None) -> str:
    """The checksum for `name`: the caller's, else the known one; FetchError if there is none."""
    if given and name in given:
        value = given[name].strip().lower()
        if not SHA256_HEX.match(value):
            raise FetchError(f"--sha256 for {name} must be 64 hexadecimal digits")
        return value
    if name in KNOWN_SHA256:
        return KNOWN_SHA256[name][0]
    raise FetchError(
        f"no known SHA-256 for {name}: the Vosk site publishes none. Obtain the checksum of "
        f"{name}.zip from a source you trust and pass it: --sha256 {name}=<64 hex digits>"
    )


def manual_steps(name: str, dest: Path, base_url: str = VOSK_MODELS_URL) -> str:
    """How an operator installs `name` by hand on a machine without internet."""
    known = KNOWN_SHA256.get(name)
    check = f" ({known[1]:,} bytes) and check that its SHA-256 is {known[0]}" if known else ""
    return (
        f"To install it by hand: on a machine with internet, download {base_url}{name}.zip{check}; "
        f"copy it here and unzip it into {dest} (so that {dest / name / 'am' / 'final.mdl'} "
        f"exists); then set {env_var(model_lang(name))}={dest / name} for the assistant."
    )


def install_archive(archive: Path, name: str, sha256: str, dest: Path) -> Path:
    """Verify `archive` against `sha256` and unpack model `name` into `dest/name`; its path.

    The archive must hold one top folder called `name`. Nothing is written when the checksum or
    the layout is wrong; an installed model is replaced only by a complete new one.
    """
    actual = sha256_of(archive)
    if actual != sha256.lower():
        raise ChecksumError(
            f"{archive.name}: SHA-256 is {actual}, expected {sha256.lower()}; the file is "
            "corrupt or not the official archive, so it was not installed"
        )
    dest.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=dest, prefix=f".{name}.") as work,
        zipfile.ZipFile(archive) as bundle,
    ):
        root = Path(work).resolve()
        for member in bundle.infolist():
            target = (root / member.filename).resolve()
            if not target.is_relative_to(root) or member.filename.split("/")[0] != name:
                raise FetchError(f"{archive.name}: unexpected entry {member.filename!r}; not used")
        bundle.extractall(root)
        try:
            check_model_dir(root / name)
        except ModelConfigError as error:
            raise FetchError(f"{archive.name} holds no Vosk model: {error}") from error
        final = dest / name
        if final.exists():
            shutil.rmtree(final)
        (root / name).rename(final)
    return final.resolve()


def _download(url: str, target: Path, timeout: float) -> None:
    if urllib.parse.urlsplit(url).scheme not in ALLOWED_SCHEMES:
        raise FetchError(f"{url}: only {', '.join(ALLOWED_SCHEMES)} addresses are fetched")
    request = urllib.request.Request(url, headers={"User-Agent": "bank-assistant-model-fetch"})  # noqa: S310 (scheme checked above)
    with urllib.request.urlopen(request, timeout=timeout) as response, target.open("wb") as out:  # noqa: S310
        while block := response.read(CHUNK):
            out.write(block)


def _download_and_install(
    name: str, digest: str, dest: Path, base_url: str, timeout: float
) -> Path:
    url = f"{base_url}{name}.zip"
    with tempfile.TemporaryDirectory(dir=dest, prefix=f".{name}.download.") as work:
        archive = Path(work) / f"{name}.zip"
        try:
            _download(url, archive, timeout)
        except urllib.error.HTTPError as error:
            raise FetchError(f"{url}: HTTP {error.code} {error.reason}") from error
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, FileNotFoundError):  # a file: mirror without it
                raise FetchError(f"{url}: no such file") from error
            raise OfflineError(
                f"could not download {url} ({reason}); this machine seems to have no "
                f"internet access. {manual_steps(name, dest, base_url)}"
            ) from error
        return install_archive(archive, name, digest, dest)


def fetch_models(
    names: Iterable[str],
    dest: Path = DEFAULT_DEST,
    *,
    sha256: Mapping[str, str] | None = None,
    base_url: str = VOSK_MODELS_URL,
    timeout: float = 15.0,
) -> list[Path]:
    """Download, verify and unpack each official model `name` into `dest/name`; their paths.

    A model already installed in `dest` is kept. FetchError (OfflineError, ChecksumError) says
    what went wrong and what the operator can do.
    """
    installed = []
    base_url = base_url if base_url.endswith("/") else base_url + "/"
    for name in names:
        if not MODEL_NAME.match(name):
            raise FetchError(f"{name!r} is not an official Vosk model name (vosk-model-...)")
        digest = expected_sha256(name, sha256)
        try:
            installed.append(check_model_dir(dest / name))
            continue
        except ModelConfigError:
            pass
        created = not dest.exists()
        dest.mkdir(parents=True, exist_ok=True)
        try:
            installed.append(_download_and_install(name, digest, dest, base_url, timeout))
        except FetchError:
            if created:  # leave no empty folder behind
                with contextlib.suppress(OSError):
                    dest.rmdir()
            raise
    return installed


def _parse_checksums(values: Sequence[str]) -> dict[str, str]:
    checksums = {}
    for value in values:
        name, sep, digest = value.partition("=")
        if not sep:
            raise FetchError(f"--sha256 expects NAME=HEX, got {value!r}")
        checksums[name.strip()] = digest
    return checksums


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `bot fetch-models` (and `python -m bot.voice.fetch`)."""
    parser.add_argument("names", nargs="+", metavar="NAME", help="e.g. vosk-model-small-en-us-0.15")
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help=f"default {DEFAULT_DEST}")
    parser.add_argument("--sha256", action="append", default=[], metavar="NAME=HEX")
    parser.add_argument("--base-url", default=VOSK_MODELS_URL, help="a mirror of the Vosk site")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per connection")


def run(args: argparse.Namespace) -> int:
    """Fetch and install the named models; print where each went and how to configure it."""
    try:
        paths = fetch_models(
            args.names,
            args.dest,
            sha256=_parse_checksums(args.sha256),
            base_url=args.base_url,
            timeout=args.timeout,
        )
    except FetchError as error:
        print(f"fetch: {error}", file=sys.stderr)
        return 1
    for name, path in zip(args.names, paths, strict=True):
        print(f"{name}: {path}  (set {env_var(model_lang(name))}={path})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.voice.fetch", description="Fetch official Vosk models."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
