"""Precision/recall/F1 and a confusion matrix for category predictions (CLI --eval and bench)."""

import csv

from parsers.model import CATEGORIES


def read_labelled(path) -> list[tuple[str, str]]:
    """(text, label) pairs from a CSV with at least columns text,label."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [(row["text"], row["label"].strip()) for row in csv.DictReader(handle)]


def metrics(gold: list[str], predicted: list[str]) -> dict:
    """Per-category precision/recall/F1, macro-F1, accuracy and confusion[gold][predicted]."""
    labels = list(CATEGORIES) + sorted(set(gold) - set(CATEGORIES))
    confusion = {g: dict.fromkeys(labels, 0) for g in labels}
    for g, p in zip(gold, predicted, strict=True):
        confusion[g][p] = confusion[g].get(p, 0) + 1
    per = {}
    for label in labels:
        tp = confusion[label][label]
        fp = sum(confusion[g][label] for g in labels) - tp
        fn = sum(confusion[label].values()) - tp
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    present = [label for label in labels if per[label]["support"]]
    correct = sum(g == p for g, p in zip(gold, predicted, strict=True))
    return {
        "per_category": per, "labels": labels, "confusion": confusion,
        "macro_f1": sum(per[k]["f1"] for k in present) / len(present) if present else 0.0,
        "accuracy": correct / len(gold) if gold else 0.0, "n": len(gold),
    }


def report(result: dict) -> str:
    """The metrics as a plain-text table."""
    lines = [f"{'category':<15}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}"]
    for label in result["labels"]:
        m = result["per_category"][label]
        lines.append(f"{label:<15}{m['precision']:>10.3f}{m['recall']:>8.3f}{m['f1']:>8.3f}"
                     f"{m['support']:>9}")
    lines.append(f"macro-F1 {result['macro_f1']:.3f}   accuracy {result['accuracy']:.3f}"
                 f"   (n={result['n']})")
    short = [label[:6] for label in result["labels"]]
    lines.append("confusion (rows = label, columns = predicted):")
    lines.append(" " * 15 + "".join(f"{s:>8}" for s in short))
    for label in result["labels"]:
        row = result["confusion"][label]
        lines.append(f"{label:<15}" + "".join(f"{row[p]:>8}" for p in result["labels"]))
    return "\n".join(lines)
