"""Reads the reference files under data/ (next to this package, installed or not)."""

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of a TSV/CSV file as dicts; '#' lines are comments and the first other line is the header."""
    delimiter = "\t" if name.endswith(".tsv") else ","
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
