"""Reads the reference files under data/ (next to this package, installed or not)."""

import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"


def read_table(name) -> list[dict[str, str]]:
    """Rows of a TSV/CSV file in data/ (or at a path) as dicts; '#' lines are comments and the
    first other line is the header."""
    delimiter = "\t" if str(name).endswith(".tsv") else ","
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(lines, delimiter=delimiter, quoting=csv.QUOTE_NONE)
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def read_lexicon() -> dict[str, str]:
    """IndoCollex informal→formal, then data/lexicon_extra.tsv on top (its entries win)."""
    lexicon = {row["informal"].lower(): row["formal"].lower()
               for row in read_table("indocollex_informal_formal.tsv")}
    for row in read_table("lexicon_extra.tsv"):
        lexicon[row["informal"].lower()] = row["formal"].lower()
    return lexicon


def read_words(name: str) -> frozenset[str]:
    """The first column of a one-word-per-line table (stop-words)."""
    return frozenset(row["word"].lower() for row in read_table(name))


def read_keywords() -> tuple[list[dict[str, str]], dict[str, float]]:
    """Learned keyword rows and the parameters (rows of category "_param") of keywords.tsv."""
    try:
        rows = read_table("keywords.tsv")
    except FileNotFoundError:  # before the first `python -m parsers.learn`
        return [], {}
    params = {r["phrase"]: float(r["weight"]) for r in rows if r["category"] == "_param"}
    return [r for r in rows if r["category"] != "_param"], params
