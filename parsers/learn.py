"""Learn the keyword weights of data/keywords.tsv from the labelled sources in the manifest.

    python -m parsers.learn           # rewrite data/keywords.tsv
    python -m parsers.learn --check   # exit 1 if the shipped file differs from a fresh run

Every source in data/learn_sources.tsv is split once into train/dev/test by a salted hash of its
text (no shuffling, no seed to change); the shipped weights are fitted on train+dev only, so the
test rows stay unseen. A weight is log(4 P(category | feature)) for a stem or stem pair,
smoothed, with the four categories balanced; a pair is kept only where it decides otherwise
than its two words. The softmax temperature and the review threshold come from 5-fold
out-of-fold predictions of the messages inside the fitting rows. Pure Python, weights rounded
to two decimals: the file is the same byte for byte on every run.
"""

import csv
import hashlib
import math
import re
import sys
from collections import defaultdict
from typing import NamedTuple

from parsers.classify import ORDER, SLOT, Classifier
from parsers.resources import DATA_DIR, ROOT, read_table

SALT = "aspirasi-split-1"
SMOOTHING = 3.0  # pseudo-messages pulling each feature's class shares toward 1/4
MIN_WEIGHT = 0.4  # weights below this are left out (they decide nothing)
MIN_DOCS = 2  # a feature must occur in this many training messages
MIN_SOURCES = 1  # ... and in this many sources
FOLDS = 5
TARGET_PRECISION = 0.90  # the review threshold is the lowest confidence that reaches this
# lainnya's head start: chosen by leave-one-source-out macro-F1 over train+dev rows (0 to 2.5
# in steps of 0.5); fitting it per training set chased each set's own mix and generalised worse.
LAINNYA_PRIOR = 0.5
TEMPERATURES = [x / 10 for x in range(1, 31)]
THRESHOLDS = [x / 100 for x in range(30, 96, 5)]
_PHYSICAL = re.compile(r"^(pembangunan|rehabilitasi|pemeliharaan|renovasi|perbaikan)\b", re.I)
_BUILT = re.compile(r"gedung|ruang|sarana|prasarana|utilitas|bangunan|rumah|unit sekolah|"
                    r"laboratorium|perpustakaan|kantin|fasilitas|jalan|jembatan|irigasi|"
                    r"pintu air|embung|taman|aula|pasar|puskesmas|toilet|jamban", re.I)
_NOT_BUILT = re.compile(r"aplikasi|arsip|mebel|alat|cadangan|data|sistem", re.I)


class Doc(NamedTuple):
    source: str
    kind: str
    text: str
    label: str
    split: str
    weight: float
    features: list


def split_of(source: str, text: str) -> str:
    """train (70%), dev (15%) or test (15%), fixed by a hash of source and text."""
    bucket = int(hashlib.sha256(f"{SALT}\n{source}\n{text}".encode()).hexdigest()[:8], 16) % 100
    return "train" if bucket < 70 else "dev" if bucket < 85 else "test"


def fold_of(doc: Doc) -> int:
    digest = hashlib.sha256(f"{SALT}-fold\n{doc.source}\n{doc.text}".encode()).hexdigest()
    return int(digest[:8], 16) % FOLDS


def sipd_label(name: str, kelas: str) -> str:
    """The file's class, except physical works on a building or network are infrastruktur."""
    if _PHYSICAL.match(name) and _BUILT.search(name) and not _NOT_BUILT.search(name):
        return "infrastruktur"
    return kelas


def source_rows(source: dict) -> list[tuple[str, str]]:
    """(text, label) of one manifest entry; labelled CSVs keep free-text aspirations only."""
    from parsers import parse

    path = ROOT / source["path"]
    if source["format"] == "sipd":
        rows = read_table(path)
        return [(r["nama"], sipd_label(r["nama"], r["kelas"])) for r in rows]
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for row in rows:
        parsed = parse(row["text"])
        if row.get("command", "ASPIRASI") == "ASPIRASI" and parsed.command == "ASPIRASI" \
                and not parsed.explicit:
            out.append((row["text"], row["label"]))
    return out


def load_docs() -> list[Doc]:
    """Every labelled row of every manifest source, featurized, first occurrence of a text kept."""
    from parsers.engine import load
    from parsers.normalize import raw_tokens

    engine = load()
    seen: set[str] = set()
    docs = []
    for source in read_table("learn_sources.tsv"):
        weight = float(source["weight"])
        for text, label in source_rows(source):
            normalized = engine.analyse(raw_tokens(text))[0]
            if normalized in seen or label not in SLOT:
                continue
            seen.add(normalized)
            docs.append(Doc(source["name"], source["kind"], text, label, split_of(source["name"], text), weight,
                            engine.featurizer.features(normalized)))
    return docs


def weights(docs: list[Doc]) -> dict:
    """{feature: [(category, weight)]}: log of the smoothed P(category | feature) over the
    prior, with every category given the same total mass (so small classes are not drowned)."""
    mass = [0.0] * 4
    for doc in docs:
        mass[SLOT[doc.label]] += doc.weight
    scale = [sum(mass) / (4 * m) if m else 0.0 for m in mass]  # balance the four classes
    count: dict = defaultdict(lambda: [0.0] * 4)
    seen: dict = defaultdict(int)
    sources: dict = defaultdict(set)
    for doc in docs:
        slot = SLOT[doc.label]
        share = doc.weight * scale[slot]
        for feature in doc.features:
            count[feature][slot] += share
            seen[feature] += 1
            sources[feature].add(doc.source)
    out = {}
    for feature, per in count.items():
        if seen[feature] < MIN_DOCS or len(sources[feature]) < MIN_SOURCES:
            continue
        total = sum(per)
        hits = []
        for slot in range(4):
            posterior = (per[slot] + SMOOTHING / 4) / (total + SMOOTHING)
            value = round(math.log(4 * posterior), 2)
            if value >= MIN_WEIGHT:
                hits.append((ORDER[slot], value))
        if hits:
            out[feature] = hits
    return {f: hits for f, hits in out.items() if isinstance(f, str) or _adds(f, hits, out)}


def _adds(pair: tuple, hits: list, table: dict) -> bool:
    """A pair is kept only when it decides otherwise than its two words summed ("tambatan
    perahu" is infrastruktur though "perahu" is ekonomi): phrases resolve collisions."""
    summed = [0.0] * 4
    for word in pair:
        for category, weight in table.get(word, ()):
            summed[SLOT[category]] += weight
    own = max(hits, key=lambda hit: hit[1])[0]
    return max(summed) <= 0 or ORDER[summed.index(max(summed))] != own


def rows_of(table: dict) -> list[dict]:
    return [{"category": category, "weight": str(weight),
             "phrase": feature if isinstance(feature, str) else " ".join(feature)}
            for feature, hits in table.items() for category, weight in hits]


def calibrate(docs: list[Doc]) -> dict:
    """The lainnya prior, then the temperature (best log-loss) and review threshold from
    out-of-fold predictions of the messages in `docs` (not the official names)."""
    oof = []
    for k in range(FOLDS):
        inside = [d for d in docs if fold_of(d) != k]
        table = Classifier(rows_of(weights(inside)), {"lainnya_prior": LAINNYA_PRIOR})
        oof += [(d.label, _totals(table, d.features)) for d in docs
                if fold_of(d) == k and d.kind == "messages"]  # calibrated on messages only
    prior = LAINNYA_PRIOR
    adjusted = [(label, (t[0], t[1], t[2], t[3] + prior)) for label, t in oof]
    temperature = min(TEMPERATURES, key=lambda t: round(_log_loss(adjusted, t), 4))
    # A message with no evidence at all is always "perlu dicek": the threshold stays above
    # the confidence that the prior alone gives.
    floor = _softmax((0.0, 0.0, 0.0, prior), temperature)
    threshold = review_threshold([(label == _best(s), _softmax(s, temperature))
                                  for label, s in adjusted], floor)
    return {"lainnya_prior": prior, "temperature": temperature, "review_threshold": threshold}


def review_threshold(judged: list[tuple[bool, float]], floor: float = 0.0) -> float:
    """Lowest threshold above `floor` whose confident predictions (confidence ≥ it) reach
    TARGET_PRECISION."""
    for threshold in [t for t in THRESHOLDS if t > floor]:
        kept = [ok for ok, confidence in judged if confidence >= threshold]
        if kept and sum(kept) / len(kept) >= TARGET_PRECISION:
            return threshold
    return THRESHOLDS[-1]


def fit(docs: list[Doc]) -> tuple[list[dict], dict]:
    """(keyword rows, parameters) fitted on docs."""
    return rows_of(weights(docs)), calibrate(docs)


def _totals(table: Classifier, features: list) -> tuple:
    totals = [0.0] * 4
    for feature in features:
        for slot, weight in enumerate(table.vectors.get(feature, ())):
            totals[slot] += weight
    return tuple(totals)


def _best(scores) -> str:
    """The category of four adjusted scores, ties as in Classifier (lainnya first)."""
    top = max(scores)
    return "lainnya" if scores[3] == top else ORDER[scores.index(top)]


def _softmax(scores, temperature: float) -> float:
    top = max(scores)
    return 1.0 / sum(math.exp((s - top) / temperature) for s in scores)


def _log_loss(adjusted, temperature: float) -> float:
    loss = 0.0
    for label, scores in adjusted:
        top = max(scores)
        norm = sum(math.exp((s - top) / temperature) for s in scores)
        loss -= (scores[SLOT[label]] - top) / temperature - math.log(norm)
    return loss / len(adjusted)


HEADER = """# Learned category keywords: generated by `python -m parsers.learn` from the sources in
# data/learn_sources.tsv (train+dev rows only). Do not edit by hand: add labelled messages to a
# source, or hand rules to data/rules.tsv, and run the learning step again.
# Columns: category<TAB>weight<TAB>phrase. A phrase is a stem or two neighbouring stems (see
# parsers/stem.py, parsers/features.py); weight = log(4 P(category | phrase)), smoothed. Rows of
# category _param are the fitted lainnya prior, softmax temperature and review threshold.
"""


def render(rows: list[dict], params: dict) -> str:
    """The file text: header, parameters, then rows by category and weight (deterministic)."""
    lines = [HEADER.rstrip("\n"), "category\tweight\tphrase"]
    lines += [f"_param\t{params[name]}\t{name}" for name in sorted(params)]
    order = sorted(rows, key=lambda r: (SLOT[r["category"]], -float(r["weight"]), r["phrase"]))
    lines += [f"{r['category']}\t{r['weight']}\t{r['phrase']}" for r in order]
    return "\n".join(lines) + "\n"


def build() -> str:
    docs = [d for d in load_docs() if d.split != "test"]
    return render(*fit(docs))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = build()
    target = DATA_DIR / "keywords.tsv"
    if "--check" in args:
        same = target.exists() and target.read_text(encoding="utf-8") == text
        print("keywords.tsv is up to date" if same else "keywords.tsv differs from a fresh run")
        return 0 if same else 1
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
