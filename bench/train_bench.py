"""Retraining time as a designer sees it: `bot train` (its check of the data, then the training)
from scratch, after one added NLU example (and `--full` on the same data), after one changed
response; and what the models understand (held-out figures). A baseline from before 2026-12-07
fine-tunes after the added example (its model is then marked "fine-tuned").

    .venv/bin/python bench/train_bench.py [--baseline REF [--quick-baseline]] [--no-quality]
                                          [--keep DIR]

Each variant is a copy of the project (code, config.yml, domain.yml, data/) in a temporary
folder with its own empty Rasa cache, so the project's models and cache are untouched; each
step runs `python -m bot train` there and is timed by wall clock. `--baseline REF` (a git
commit or branch, e.g. `main`) adds the same steps for that commit's project, interleaved
step by step with this checkout's, so both meet the same load on a shared machine
(`--quick-baseline`: only its first two steps, and no held-out figures for it). Prints
Markdown tables for bench/RESULTS.md. `--keep DIR` copies the models folder of each copy to
DIR/<variant> at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PROJECT_PARTS = ("bot", "actions", "config.yml", "domain.yml", "menus.yml", "data")
ADDED_EXAMPLE = "    - could you quickly let me know what my balance is these days\n"
ADDED_AFTER = "- intent: check_balance\n  examples: |\n"
THIS_CHECKOUT = "this checkout"


@dataclass
class Variant:
    name: str
    root: Path
    seconds: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    models: dict[str, Path] = field(default_factory=dict)


def _copy_checkout(target: Path) -> None:
    for name in PROJECT_PARTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target / name)


def _export_commit(ref: str, target: Path) -> None:
    archive = subprocess.run(["git", "archive", ref, *PROJECT_PARTS], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)


def _add_example(root: Path) -> None:
    path = root / "data" / "nlu" / "en.yml"
    text = path.read_text(encoding="utf-8")
    assert ADDED_AFTER in text
    path.write_text(text.replace(ADDED_AFTER, ADDED_AFTER + ADDED_EXAMPLE, 1), encoding="utf-8")


def _change_response(root: Path) -> None:
    path = root / "domain.yml"
    text = path.read_text(encoding="utf-8")
    marker = "responses:\n"
    head, tail = text.split(marker, 1)
    first_text = tail.index('- text: "') + len('- text: "')
    path.write_text(head + marker + tail[:first_text] + "(changed) " + tail[first_text:],
                    encoding="utf-8")


def _newest_model(root: Path) -> Path:
    return max((root / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)


def _bot_train(variant: Variant, label: str, logs: Path, *options: str) -> None:
    """One `bot train` in the variant's copy, with the copy's own code and Rasa cache."""
    env = dict(os.environ, PYTHONPATH=str(variant.root), RASA_TELEMETRY_ENABLED="false")
    log = logs / f"{variant.name.replace(' ', '-')}-{len(variant.seconds) + 1}.log"
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        subprocess.run([sys.executable, "-m", "bot", "train", *options], cwd=variant.root,
                       env=env, stdout=out, stderr=subprocess.STDOUT, check=True)
    seconds = time.monotonic() - started
    model = _newest_model(variant.root)
    kind = "fine-tuned" if model.name.endswith("-finetuned.tar.gz") else "full"
    variant.seconds.append(seconds)
    variant.kinds.append(kind)
    variant.models[label] = model
    print(f"--- {variant.name}: {label}: {kind}, {seconds:.0f} s (log {log})", flush=True)


STEPS = (
    ("from scratch (empty cache)", None, ()),
    ("one English example added", _add_example, ()),
    ("the same data, `bot train --full`", None, ("--full",)),
    ("one response text changed", _change_response, ()),
)


HELD_OUT_SETS = Path("tests") / "nlu"  # this checkout's, copied into each variant: one yardstick
_REPORT = ("import asyncio, sys; from pathlib import Path; "
           "from bot.designer.held_out import held_out_report, load_agent; "
           "print(asyncio.run(held_out_report(load_agent(Path(sys.argv[1])))).table_cells())")


def _quality(variants: list[Variant]) -> list[str]:
    """Each variant's models judged by its own code (a baseline's pipeline may need components
    this checkout no longer has), on this checkout's held-out sets."""
    lines = []
    for variant in variants:
        shutil.copytree(ROOT / HELD_OUT_SETS, variant.root / HELD_OUT_SETS, dirs_exist_ok=True)
        env = dict(os.environ, PYTHONPATH=str(variant.root), RASA_TELEMETRY_ENABLED="false")
        for index, label in ((1, "one example added"), (2, "same data, `--full`")):
            model = variant.models[STEPS[index][0]]
            cells = subprocess.run([sys.executable, "-c", _REPORT, str(model)], cwd=variant.root,
                                   env=env, check=True, capture_output=True,
                                   text=True).stdout.strip().splitlines()[-1]
            lines.append(f"| {variant.name}: {variant.kinds[index]}, {label} | {cells} |")
    return lines


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60:02d} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", metavar="REF", help="also time this git commit's project")
    parser.add_argument("--quick-baseline", action="store_true",
                        help="the baseline only from scratch and after one example, unjudged")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="train-bench-") as folder:
        base = Path(folder)
        logs = args.keep or base / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        variants = []
        if args.baseline:
            variants.append(Variant(f"baseline ({args.baseline})", base / "baseline"))
            variants[-1].root.mkdir()
            _export_commit(args.baseline, variants[-1].root)
        variants.append(Variant(THIS_CHECKOUT, base / "checkout"))
        variants[-1].root.mkdir()
        _copy_checkout(variants[-1].root)
        for variant in variants:
            (variant.root / "models").mkdir(exist_ok=True)
        quick = {variants[0].name} if args.baseline and args.quick_baseline else set()
        for step, (label, change, options) in enumerate(STEPS):
            for variant in variants:
                if step >= 2 and variant.name in quick:
                    continue
                if change is not None:
                    change(variant.root)
                _bot_train(variant, label, logs, *options)
        quality = [] if args.no_quality else _quality(
            [variant for variant in variants if variant.name not in quick])
        if args.keep:
            for variant in variants:
                shutil.copytree(variant.root / "models",
                                args.keep / variant.name.replace(" ", "-"), dirs_exist_ok=True)

    print(f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    names = " | ".join(variant.name for variant in variants)
    print(f"\n| `bot train` (check + training) after | {names} |")
    print("|---" * (len(variants) + 1) + "|")
    for index, (label, _, _) in enumerate(STEPS):
        cells = " | ".join(f"{_minutes(variant.seconds[index])} ({variant.kinds[index]})"
                           if index < len(variant.seconds) else "-" for variant in variants)
        print(f"| {label} | {cells} |")
    if quality:
        from bot.designer.held_out import TABLE_HEADER

        print(f"\n{TABLE_HEADER}")
        print("\n".join(quality))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
