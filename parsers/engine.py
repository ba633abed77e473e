"""Loads every data file once, on first use, and wires the pieces together (nothing at import)."""

import functools
import re

from parsers.classify import Classifier
from parsers.features import Featurizer
from parsers.fuzzy import DeletionIndex
from parsers.gazetteer import Gazetteer
from parsers.normalize import Normalizer
from parsers.resources import read_keywords, read_lexicon, read_table, read_words
from parsers.stem import Stemmer

_WORD = re.compile(r"[^\W_]+")


class Engine:
    """The loaded tables and bound functions, as attributes. A plain class, not a
    SimpleNamespace: parse() reads several per message, and attributes set one by one on a
    class instance are the cheapest to read."""

    def __init__(self, **parts):
        for name, part in parts.items():
            setattr(self, name, part)


@functools.cache
def load() -> Engine:
    """Build the lexicon, keyword matcher, gazetteer and command tables (cached for the process)."""
    lexicon = read_lexicon()
    stopwords = read_words("stopwords.tsv")

    def phrase_tokens(phrase: str) -> list[str]:
        out = []
        for word in _WORD.findall(phrase.lower()):
            out.extend(_WORD.findall(lexicon.get(word, word)))
        return out

    roots = read_words("kata_dasar.tsv")
    rules = read_table("rules.tsv")
    stemmer = Stemmer(roots, keep={r["phrase"] for r in rules if r["rule"] == "keep"})
    gazetteer = Gazetteer(stopwords)
    command_rows = read_table("commands.tsv")
    command_words = {w for r in command_rows for w in phrase_tokens(r["phrase"])}
    common = read_words("common_words.tsv")
    rule_words = {w for r in rules for w in phrase_tokens(r["phrase"])}
    vocab_words = roots | rule_words | common
    vocab = vocab_words | gazetteer.tokens | stopwords | command_words
    normalizer = Normalizer(lexicon, vocab, gazetteer, stemmer)
    official = {w for r in gazetteer.rows for w in _WORD.findall(
        f"{r['kelurahan']} {r['kecamatan']}".lower())}
    featurizer = Featurizer(rules, stemmer, stopwords | read_words("stopwords_id.tsv"),
                            frozenset(official - vocab_words))
    classifier = Classifier(*read_keywords(), site=featurizer.site)
    lead = {r["phrase"]: (r["command"], r["mode"]) for r in command_rows
            if r["mode"] in ("lead", "category")}
    solo = {tuple(phrase_tokens(r["phrase"])): r["command"] for r in command_rows
            if r["mode"] == "solo"}
    fillers = {w for r in command_rows if r["mode"] == "filler" for w in phrase_tokens(r["phrase"])}
    return Engine(
        normalizer=normalizer, classifier=classifier, gazetteer=gazetteer, stemmer=stemmer,
        featurizer=featurizer, analyse=normalizer.analyse,
        analyse_words=normalizer.analyse_words, content_of=featurizer.content_of,
        score=classifier.score, find=gazetteer.find,
        lead=lead, lead_typos=DeletionIndex(lead, min_len=5), solo=solo,
        solo_typos=DeletionIndex({w for p in solo for w in p if len(p) == 1}, min_len=5),
        fillers=frozenset(fillers), lead_memo={},
        solo_words=frozenset(fillers) | {w for p in solo for w in p},
    )
