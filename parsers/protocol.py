"""The evaluation protocol (aspirasi parse --eval): fixed split, k-fold, leave-one-source-out.

1. split: fit on train, score train and dev (what tuning may look at); fit on train+dev (the
   shipped weights), score test once.
2. k-fold: 5 folds over train+dev, each fold scored by a fit on the other four.
(The official names are fitted on but not scored in 1 and 2: citizens do not write them.)
3. leave-one-source-out: for each source, fit on the train+dev rows of all the others and score
   the train+dev rows of the left-out one (test rows stay for step 1). Pooled over the message
   sources, this is the honest estimate for messages of a kind never seen; the official names
   (kind "names") are scored alone but not pooled: citizens do not write them.
Every fit re-learns weights and calibration from its own rows only.
"""

import csv

from parsers.classify import Classifier
from parsers.evaluate import metrics, report
from parsers.learn import FOLDS, Doc, fit, fold_of, load_docs
from parsers.resources import ROOT, read_table


def predict(fitted, docs: list[Doc]) -> list[tuple[str, float]]:
    """(category, confidence) for each doc under fitted (rows, params)."""
    rows, params = fitted
    classifier = Classifier(rows, params)
    return [classifier.classify(d.features)[:2] for d in docs]


def run(docs: list[Doc] | None = None) -> dict:
    """Every figure of the protocol: {name: (docs scored, [(category, confidence)], params)}.

    Fits use every source; the split and k-fold figures score the messages only.
    """
    docs = load_docs() if docs is None else docs
    seen = [d for d in docs if d.split != "test"]

    def messages(split: str) -> list[Doc]:
        return [d for d in docs if d.split == split and d.kind == "messages"]

    out = {}
    on_train = fit([d for d in docs if d.split == "train"])
    shipped = fit(seen)
    for split in ("train", "dev"):
        out[split] = (messages(split), predict(on_train, messages(split)), on_train[1])
    out["test"] = (messages("test"), predict(shipped, messages("test")), shipped[1])
    folded_docs, folded = [], []
    for k in range(FOLDS):
        fitted = fit([d for d in seen if fold_of(d) != k])
        held = [d for d in seen if fold_of(d) == k and d.kind == "messages"]
        folded_docs += held
        folded += predict(fitted, held)
    out[f"{FOLDS}-fold"] = (folded_docs, folded, shipped[1])
    pooled_docs, pooled = [], []
    for source in dict.fromkeys(d.source for d in docs):
        held = [d for d in seen if d.source == source]
        fitted = fit([d for d in seen if d.source != source])
        got = predict(fitted, held)
        out[f"without {source}"] = (held, got, fitted[1])
        if held[0].kind == "messages":
            pooled_docs += held
            pooled += got
    out["leave-one-source-out"] = (pooled_docs, pooled, shipped[1])
    return out


def precision_at(docs, predicted, threshold: float) -> tuple[float, float]:
    """(precision of predictions with confidence ≥ threshold, share of messages they cover)."""
    kept = [d.label == p for d, (p, c) in zip(docs, predicted, strict=True) if c >= threshold]
    if not kept:
        return 0.0, 0.0
    return sum(kept) / len(kept), len(kept) / len(docs)


def summary(results: dict) -> str:
    """One line per figure, then the full table for test and leave-one-source-out."""
    lines = [f"{'figure':<28}{'n':>6}{'macro-F1':>10}{'accuracy':>10}"
             f"{'  precision ≥ thr (coverage)':>30}"]
    for name, (docs, predicted, params) in results.items():
        result = metrics([d.label for d in docs], [p for p, _ in predicted])
        threshold = params["review_threshold"]
        precision, coverage = precision_at(docs, predicted, threshold)
        lines.append(f"{name:<28}{len(docs):>6}{result['macro_f1']:>10.3f}"
                     f"{result['accuracy']:>10.3f}   {precision:>6.3f} at {threshold:.2f}"
                     f" ({coverage:.0%})")
    for name in ("test", "leave-one-source-out"):
        docs, predicted, _ = results[name]
        lines += ["", f"== {name}", report(metrics([d.label for d in docs],
                                                    [p for p, _ in predicted]))]
    return "\n".join(lines)


def kelurahan_check() -> dict:
    """Place finding over every row of the labelled message files: found, right, and how many
    texts that name no kelurahan got one anyway."""
    from parsers import parse

    found = right = invented = named = rows = 0
    for source in read_table("learn_sources.tsv"):
        if source["format"] != "labelled":
            continue
        with open(ROOT / source["path"], encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                got, want = parse(row["text"]).kelurahan, row.get("kelurahan") or None
                rows += 1
                named += want is not None
                found += got is not None
                right += got is not None and got == want
                invented += got is not None and want is None
    return {"rows": rows, "named": named, "found": found, "right": right, "invented": invented,
            "precision": right / found if found else 1.0, "recall": right / named if named else 1.0}


def kelurahan_summary(check: dict) -> str:
    return (f"kelurahan: {check['found']} found in {check['rows']} labelled messages, "
            f"{check['right']} right (precision {check['precision']:.3f}, recall "
            f"{check['recall']:.3f} of {check['named']} named); {check['invented']} found "
            f"where the text names none")
