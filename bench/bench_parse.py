"""Parser throughput and accuracy beside a naive keyword baseline: python bench/bench_parse.py"""

import csv
import platform
import random
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsers import parse  # noqa: E402
from parsers.engine import load  # noqa: E402
from parsers.evaluate import metrics, read_labelled  # noqa: E402
from parsers.resources import read_table  # noqa: E402

N = 100_000
LABELLED = ROOT / "tests/data/parser_labelled.csv"
HOLDOUT = ROOT / "tests/data/parser_holdout.csv"
COMPLAINTS = ROOT / "tests/data/parser_complaints.csv"
REVIEWS = ROOT / "tests/data/parser_reviews.csv"


def naive_classifier():
    """Lowercase, then `in` over every phrase of data/keywords.tsv (stems match inside words:
    "kunjung" in "pengunjung"); highest summed weight wins, nothing found = lainnya."""
    phrases = [(r["phrase"], r["category"], float(r["weight"]))
               for r in read_table("keywords.tsv") if r["category"] != "_param"]

    def classify(text: str) -> str:
        low = text.lower()
        scores: dict[str, float] = {}
        for phrase, category, weight in phrases:
            if phrase in low:
                scores[category] = scores.get(category, 0.0) + weight
        return max(scores, key=scores.__getitem__) if scores else "lainnya"

    return classify


def throughput(functions, texts, rounds: int = 3, chunk: int = 10_000) -> list[float]:
    """Messages per CPU-second of each function over texts (process time: one core).

    The functions run alternately chunk by chunk, and each keeps its best of `rounds`
    passes, so a busy machine slows both sides alike instead of skewing the ratio.
    """
    best = [float("inf")] * len(functions)
    for _ in range(rounds):
        spent = [0.0] * len(functions)
        for start in range(0, len(texts), chunk):
            part = texts[start : start + chunk]
            for index, function in enumerate(functions):
                began = time.process_time()
                for text in part:
                    function(text)
                spent[index] += time.process_time() - began
        best = [min(b, s) for b, s in zip(best, spent, strict=True)]
    return [len(texts) / seconds for seconds in best]


def quality(function, rows) -> tuple[float, float]:
    """(accuracy, macro-F1) of a text → category function on (text, label) rows."""
    result = metrics([label for _, label in rows], [function(text) for text, _ in rows])
    return result["accuracy"], result["macro_f1"]


def free_text(path) -> list[tuple[str, str]]:
    """Rows expected to be free-text aspirations (no command, no INFRA#-style prefix)."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = [(r["text"], r["label"]) for r in csv.DictReader(handle) if r["command"] == "ASPIRASI"]
    return [(text, label) for text, label in rows if not parse(text).explicit]


def main() -> None:
    load()  # data files are read once, before timing
    naive = naive_classifier()
    rng = random.Random(20261128)
    pool = [text for text, _ in read_labelled(LABELLED)]
    texts = rng.choices(pool, k=N)
    # Each message gets one never-seen word, so per-token memos miss once per message.
    distinct = [f"{t} {''.join(rng.choices(string.ascii_lowercase, k=8))}" for t in texts]
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{N:,} messages drawn from {LABELLED.name} ({len(pool)} rows)")
    for label, batch in (("drawn", texts), ("drawn+unique word", distinct)):
        ours, base = throughput([parse, naive], batch)
        print(f"{label:>18}: parse {ours:,.0f} msg/s   naive {base:,.0f} msg/s   "
              f"ratio {ours / base:.2f}x")
    for path in (LABELLED, HOLDOUT, COMPLAINTS, REVIEWS):
        for subset, rows in (("all rows", read_labelled(path)), ("free text", free_text(path))):
            for name, function in (("parse", lambda t: parse(t).category), ("naive", naive)):
                accuracy, macro_f1 = quality(function, rows)
                print(f"{path.name:>22} {subset:>9} (n={len(rows):3}) {name}: "
                      f"accuracy {accuracy:.3f}  macro-F1 {macro_f1:.3f}")


if __name__ == "__main__":
    main()
