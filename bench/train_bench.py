"""Retraining time: from scratch, after one added NLU example (fine-tuned and, as the baseline,
fully trained in the same run), after one changed response; and what the fine-tuned model
understands compared with the fully trained one.

    .venv/bin/python bench/train_bench.py [--no-quality] [--keep DIR]

Works on a copy of the project (config.yml, domain.yml, data/) in a temporary folder with its
own empty Rasa cache, so the project's models and cache are untouched. Each step is one
`bot train` (bot.ops.commands.train) and is timed by wall clock; `bot validate`, which
`bot train` runs first, is timed once on the project. Prints a Markdown table for
bench/RESULTS.md. `--keep DIR` copies the models folder of the copy (with its record of the
last full training) to DIR at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT),
                                                         os.environ.get("PYTHONPATH")]))
os.environ["RASA_TELEMETRY_ENABLED"] = "false"

from bot.designer.training_plan import is_finetuned  # noqa: E402
from bot.ops.commands import train  # noqa: E402

ADDED_EXAMPLE = "    - could you quickly let me know what my balance is these days\n"
ADDED_AFTER = "- intent: check_balance\n  examples: |\n"


def _copy_project(target: Path) -> None:
    for name in ("config.yml", "domain.yml"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "data", target / "data")
    (target / "models").mkdir()


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


def _timed(label: str, root: Path, rows: list[tuple[str, str, float]], **kwargs: bool) -> Path:
    started = time.monotonic()
    model = train(root=root, **kwargs)
    seconds = time.monotonic() - started
    kind = "fine-tuned" if is_finetuned(model) else "full"
    rows.append((label, kind, seconds))
    print(f"--- {label}: {kind}, {seconds:.0f} s", flush=True)
    return model


def _quality(models: dict[str, Path]) -> list[str]:
    from bot.designer.held_out import held_out_report, load_agent

    lines = []
    for label, model in models.items():
        agent = load_agent(model)
        report = asyncio.run(held_out_report(agent))
        lines.append(f"| {label} | {report.table_cells()} |")
    return lines


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {seconds % 60:02.0f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()

    from bot.designer.validation import validate

    started = time.monotonic()
    problems = validate()
    validation_seconds = time.monotonic() - started
    assert problems == [], problems

    rows: list[tuple[str, str, float]] = []
    with tempfile.TemporaryDirectory(prefix="train-bench-") as folder:
        root = Path(folder)
        _copy_project(root)
        _timed("from scratch (empty cache)", root, rows)
        _add_example(root)
        finetuned = _timed("one English example added", root, rows)
        full = _timed("the same, `--full` (baseline: what `bot train` did before)", root, rows,
                      full=True)
        _change_response(root)
        _timed("one response text changed", root, rows)
        if args.keep:
            shutil.copytree(root / "models", args.keep, dirs_exist_ok=True)
        quality = [] if args.no_quality else _quality(
            {"fine-tuned (one example added)": finetuned, "full (same data)": full})

    print(f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"`bot validate` (run first by every `bot train`): {validation_seconds:.0f} s\n")
    print("| what changed since the last training | training | wall clock (without validation) |")
    print("|---|---|---|")
    for label, kind, seconds in rows:
        print(f"| {label} | {kind} | {_minutes(seconds)} |")
    if quality:
        from bot.designer.held_out import TABLE_HEADER

        print(f"\n{TABLE_HEADER}")
        print("\n".join(quality))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
