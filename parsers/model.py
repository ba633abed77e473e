"""The parse result: one frozen record that every consumer (handlers, CLI, staff pages) reads."""

from dataclasses import MISSING, dataclass, field, fields
from types import MappingProxyType

COMMANDS = ("ASPIRASI", "DAFTAR", "BERHENTI", "MULAI", "CEK", "BANTUAN", "UNDANG", "YA",
            "BATAL", "HADIR", "TIDAK", "REKAP", "DUKUNG")
CATEGORIES = ("infrastruktur", "ekonomi", "pariwisata", "lainnya")
EMPTY = MappingProxyType({})
# A free-text category read with less confidence than this needs a human look ("perlu dicek").
# It is the review_threshold that `python -m parsers.learn` fits (data/keywords.tsv, _param
# rows): the lowest confidence at which out-of-fold predictions reach 90% precision. A test
# keeps the two equal.
REVIEW_THRESHOLD = 0.55


def _empty() -> MappingProxyType:
    return EMPTY


@dataclass(frozen=True)
class Parsed:
    """What a message means.

    `args` is a read-only mapping (types.MappingProxyType) of command arguments:
    CEK {"ticket": "A7K2Q", "U-0123" (an usulan) or None}; DUKUNG {"code": a ticket or
    usulan code, or None}; DAFTAR {"name", "kelurahan" (official or None),
    "kelurahan_text" (the words after the name, as typed), "suggestions" (list of official
    names when not recognised)}; UNDANG/REKAP/BERHENTI {"text": the rest, original case};
    an explicit category prefix (INFRA#...) {"text": the rest}. `scores` maps each category to
    its summed keyword weight. `confidence` is about the category for ASPIRASI (a calibrated
    probability; below REVIEW_THRESHOLD the message `needs_review`) and about the command
    otherwise (1.0 exact keyword, 0.9 with a typo).
    """

    text: str
    normalized: str = ""
    command: str = "ASPIRASI"
    category: str = "lainnya"
    kelurahan: str | None = None
    kecamatan: str | None = None
    confidence: float = 0.0
    keywords: tuple[str, ...] = ()
    args: MappingProxyType = field(default_factory=_empty, hash=False)
    explicit: bool = False
    scores: MappingProxyType = field(default_factory=_empty, hash=False)

    @classmethod
    def build(cls, values: dict) -> "Parsed":
        """Same as Parsed(**values), but one C-level update instead of 11 setattrs (parse()'s
        hot path). Only the given fields are stored: a missing one reads its default from the
        class (see _DEFAULTS below)."""
        parsed = object.__new__(cls)
        parsed.__dict__.update(values)
        return parsed

    @property
    def needs_review(self) -> bool:
        """True for a free-text aspiration whose category was read with low confidence."""
        return (self.command == "ASPIRASI" and not self.explicit
                and self.confidence < REVIEW_THRESHOLD)

    def to_dict(self) -> dict:
        """A JSON-ready copy (the CLI prints this)."""
        return {
            "text": self.text, "command": self.command, "category": self.category,
            "kelurahan": self.kelurahan, "kecamatan": self.kecamatan,
            "confidence": round(self.confidence, 3), "keywords": list(self.keywords),
            "args": dict(self.args), "normalized": self.normalized,
            "explicit": self.explicit, "scores": {k: round(v, 3) for k, v in self.scores.items()},
            "needs_review": self.needs_review,
        }


_DEFAULTS = {f.name: f.default if f.default is not MISSING else f.default_factory()
             for f in fields(Parsed) if f.name != "text"}
# dataclass leaves plain defaults on the class but not those made by a default_factory: put
# them there too, so an instance from Parsed.build() without them reads the same defaults.
for _name, _default in _DEFAULTS.items():
    if not hasattr(Parsed, _name):
        setattr(Parsed, _name, _default)
