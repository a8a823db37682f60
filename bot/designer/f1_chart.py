"""Per-intent F1 bar charts from the reports `rasa test nlu` writes (Rasa draws none)."""

from __future__ import annotations

import json
from pathlib import Path

SUMMARY_ROWS = frozenset({"accuracy", "micro avg", "macro avg", "weighted avg"})


def f1_by_label(report_file: Path) -> dict[str, tuple[float, int]]:
    """(F1, number of examples) per intent or FAQ key of a Rasa classification report."""
    report = json.loads(report_file.read_text(encoding="utf-8"))
    return {
        label: (float(row["f1-score"]), int(row.get("support", 0)))
        for label, row in report.items()
        if label not in SUMMARY_ROWS and isinstance(row, dict) and "f1-score" in row
    }


def plot_f1(report_file: Path, image: Path, title: str) -> Path | None:
    """A horizontal bar per label, worst first; None when the report does not exist."""
    if not report_file.exists():
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scores = sorted(f1_by_label(report_file).items(), key=lambda item: (-item[1][0], item[0]))
    labels = [f"{label} ({support})" for label, (_, support) in scores]
    values = [f1 for _, (f1, _) in scores]
    figure, axes = plt.subplots(figsize=(8, 0.28 * len(scores) + 1.2))
    bars = axes.barh(labels, values, color=["#c0392b" if f1 < 0.8 else "#2e86c1" for f1 in values])
    axes.bar_label(bars, labels=[f"{f1:.2f}" for f1 in values], padding=2, fontsize=7)
    axes.set_xlim(0, 1.08)
    axes.set_xlabel("F1 (held-out examples in brackets)")
    axes.set_title(title)
    axes.tick_params(axis="y", labelsize=7)
    figure.tight_layout()
    figure.savefig(image, dpi=120)
    plt.close(figure)
    return image
