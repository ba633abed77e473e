"""Representative messages and what parse() decided for them (tests/data/parser_golden.jsonl).

A speed change to the parser must not change a decision: test_parsers_golden compares every
field of every case, floats exactly. The cases are rows of the labelled files plus messages
generated from their words with a fixed seed: typos, Manado words, emoji and full-width
letters, WhatsApp prefixes, commands, long texts, and the feature rules' words (blocked
phrases, "di" + place noun, tourist-site words). Rewrite the file only when a decision is
meant to change, and review its diff:

    .venv/bin/python -m tests.golden_parser
"""

import csv
import json
import random
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = DATA / "parser_golden.jsonl"
SOURCES = sorted(DATA.glob("parser_*.csv"))
PER_FILE = 25
GENERATED = 240
SEED = 20261130

MANADO = ["so", "nda", "nyanda", "torang", "ngana", "dorang", "bajalang", "pe", "blum", "jo",
          "pigi", "bekeng", "aer", "mo", "kita", "tu"]
DECOR = ["😡", "🙏", "👍🏽", "🌊", "ａｉｒ", "Jalán", "ｐａｎｔａｉ", "rusakkkk", "!!!", "...", "(?)"]
PREFIXES = ["[12/11 10.30] Budi: ", "[1/2/26, 08.15] +62 812-3456: ", "[x] ", "  [12/11] Ani:  "]
COMMANDS = ["DAFTAR", "daftar", "REG", "berhenti", "UNREG", "cek", "STATUS", "undang", "rapat",
            "rekap", "infra#", "INFRA", "ekonomi", "usaha:", "wisata.", "daftra", "berhentii",
            "hadir", "ya", "tidak", "stop", "mulai", "help", "?", "hadir pak", "ok", "tdk bisa",
            "Selamat pagi pak, DAFTAR", "halo min CEK", "cek A7K2Q", "status tiket 12AB",
            "undang-undang", "batal", "siap hadir bu", "p", "tes", "DUKUNG K7QM2", "dukung u-0123",
            "cek U-0012", "Dukung usulan U0045 pak"]
RULE_WORDS = ["air laut", "tidak jalan", "rumah makan", "sudah jalan", "di gang", "dekat sekolah",
              "di jalan", "depan pasar", "ke pantai", "di pantai", "tiket masuk", "snorkeling",
              "homestay", "kel girian", "di girian", "pasar", "batu putih", "girian bawah",
              "kakenturan", "wangurer barat", "giriaan", "mandidir"]
EDGE = ["", " ", "?", "??", "!!!", "123", "a", "[", "[]", "x" * 2500, "😡" * 40,
        "ａｉｒ ｔｉｄａｋ ｍｅｎｇａｌｉｒ", "\x00\n\t", "jalan jalan jalan rusak rusak",
        "bantuan 100k utk nelayan", "DAFTAR Maria Paudeann", "daftar Yohanis kel. Girian Atass"]


def labelled_texts() -> list[list[str]]:
    """The text column of each labelled file, file by file."""
    out = []
    for path in SOURCES:
        with open(path, encoding="utf-8", newline="") as handle:
            out.append([row["text"] for row in csv.DictReader(handle)])
    return out


def generated(rng: random.Random, words: list[str], count: int) -> list[str]:
    """Messages made from the labelled files' words, one kind after another."""
    def typo(word: str) -> str:
        if len(word) < 3:
            return word
        i = rng.randrange(len(word))
        return rng.choice([word[:i] + word[i + 1:], word[:i] + word[i] * 3 + word[i + 1:],
                           word[:i] + rng.choice("aeiou") + word[i:]])

    kinds = [
        lambda ws: ws,
        lambda ws: [typo(w) if rng.random() < 0.3 else w for w in ws],
        lambda ws: [rng.choice(MANADO) if rng.random() < 0.3 else w for w in ws],
        lambda ws: [w + rng.choice(DECOR) if rng.random() < 0.25 else w for w in ws],
        lambda ws: [rng.choice(COMMANDS), *ws[: rng.randint(0, 5)]],
        lambda ws: [w.upper() if rng.random() < 0.5 else w for w in ws],
        lambda ws: [*ws[:3], rng.choice(RULE_WORDS), *ws[3:6], rng.choice(RULE_WORDS)],
        lambda ws: [rng.choice(COMMANDS), rng.choice(["pak", "bu", "!", "maria", "A1B2C"])],
    ]
    out = []
    for n in range(count):
        text = " ".join(kinds[n % len(kinds)](rng.sample(words, rng.randint(1, 14))))
        if rng.random() < 0.15:
            text = rng.choice(PREFIXES) + text
        out.append(text)
    out += [" ".join(rng.sample(words, k)) for k in (60, 150, 400)]  # long texts
    return out


def cases() -> list[str]:
    """The fixed corpus: PER_FILE rows of every labelled file, generated messages, edge cases."""
    rng = random.Random(SEED)
    files = labelled_texts()
    picked = [text for texts in files for text in rng.sample(texts, min(PER_FILE, len(texts)))]
    words = [w for texts in files for text in texts for w in text.split()]
    return list(dict.fromkeys(picked + generated(rng, words, GENERATED) + EDGE))


def outcome(parsed) -> dict:
    """Every field of a parse result (floats unrounded), JSON-ready."""
    fields = parsed.to_dict()
    del fields["text"]
    fields["confidence"], fields["scores"] = parsed.confidence, dict(parsed.scores)
    return fields


def main() -> None:
    from parsers import parse

    lines = [json.dumps({"text": text, **outcome(parse(text))}, ensure_ascii=False)
             for text in cases()]
    GOLDEN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} cases written to {GOLDEN.relative_to(DATA.parent.parent)}")


if __name__ == "__main__":
    main()
