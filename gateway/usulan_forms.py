"""What staff type on the usulan pages, checked: list filters, the SIPD-style fields, a status
change. Every problem comes back as one sentence in Bahasa Indonesia; nothing is guessed."""

from __future__ import annotations

import re

from data import usulan, usulan_queries
from data.clock import wita_today
from handlers.replies import CATEGORY_LABELS
from parsers import places

MAX = {"title": 200, "location": 200, "unit": 30, "note": 300, "q": 100}


def _int(value: str | None, low: int, high: int) -> int | None:
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if low <= number <= high else None


def read_list_filters(args) -> dict:
    """Query string → filters (unknown or bad values dropped); page as `page`."""
    filters: dict = {"page": _int(args.get("hal"), 1, 10000) or 1}
    cycle = _int(args.get("siklus"), 2000, 2099)
    if cycle:
        filters["cycle"] = cycle
    kelurahan = places.resolve_kelurahan(args.get("kelurahan") or "")
    if kelurahan:
        filters["kelurahan"] = kelurahan
    kecamatan = (args.get("kecamatan") or "").strip()
    if kecamatan in {r["kecamatan"] for r in places.all_kelurahan()}:
        filters["kecamatan"] = kecamatan
    if args.get("kategori") in CATEGORY_LABELS:
        filters["category"] = args["kategori"]
    if args.get("status") in usulan.STATUSES and args["status"] != "digabung":
        filters["status"] = args["status"]
    if args.get("konfirmasi") == "1":
        filters["unconfirmed"] = True
    q = " ".join((args.get("q") or "").split())[:MAX["q"]]
    if q:
        filters["q"] = q
    return filters


def read_list(args, scope: str | None) -> tuple[dict, str | None]:
    """The priority list asked for: ({kind, cycle, kelurahan|kecamatan}, problem)."""
    kind = "kecamatan" if args.get("daftar") == "kecamatan" else "kelurahan"
    cycle = _int(args.get("siklus"), 2000, 2099) or wita_today().year
    chosen = {"kind": kind, "cycle": cycle}
    if kind == "kelurahan":
        chosen["kelurahan"] = scope or places.resolve_kelurahan(args.get("kelurahan") or "")
        if not chosen["kelurahan"]:
            return chosen, "Pilih kelurahan."
    else:
        if scope is not None:
            return chosen, "forbidden"
        kecamatan = (args.get("kecamatan") or "").strip()
        if kecamatan not in {r["kecamatan"] for r in places.all_kelurahan()}:
            return chosen, "Pilih kecamatan."
        chosen["kecamatan"] = kecamatan
    return chosen, None


def list_filters(chosen: dict) -> dict:
    """A chosen priority list as usulan_queries filters."""
    filters = {"cycle": chosen["cycle"], "statuses": usulan_queries.LISTS[chosen["kind"]]}
    filters[chosen["kind"]] = chosen[chosen["kind"]]
    return filters


def _rupiah(value: str) -> int | None:
    """ "Rp 1.500.000" / "1500000" → 1500000; None if blank; ValueError if not a number."""
    digits = re.sub(r"[\s.]|^rp", "", (value or "").strip().lower())
    if not digits:
        return None
    if not digits.isdigit() or len(digits) > 15:
        raise ValueError(value)
    return int(digits)


def read_fields(form, opds: list[str]) -> tuple[dict, str | None]:
    """The SIPD-style fields of an usulan from its form: (values, problem)."""
    values: dict = {}
    for key in ("title", "location", "unit"):
        values[key] = " ".join((form.get(key) or "").split())[:MAX[key]] or None
    if not values["title"]:
        return values, "Judul usulan wajib diisi."
    try:
        volume = (form.get("volume") or "").strip().replace(",", ".")
        values["volume"] = float(volume) if volume else None
        values["cost"] = _rupiah(form.get("cost") or "")
    except ValueError:
        return values, "Volume dan perkiraan biaya harus angka (biaya dalam rupiah)."
    if values["volume"] is not None and not 0 <= values["volume"] < 1e9:
        return values, "Volume harus angka 0 atau lebih."
    values["opd"] = form.get("opd") or None
    if values["opd"] is not None and values["opd"] not in opds:
        return values, "Pilih OPD dari daftar."
    raw_priority = (form.get("priority") or "").strip()
    values["priority"] = _int(raw_priority, 1, 5) if raw_priority else None
    if raw_priority and values["priority"] is None:
        return values, "Prioritas harus 1 (paling mendesak) sampai 5."
    values["cycle"] = _int(form.get("cycle"), 2000, 2099)
    if values["cycle"] is None:
        return values, "Siklus Musrenbang harus tahun (2000-2099)."
    return values, None


def read_status(form, allowed: tuple[str, ...],
                opds: list[str]) -> tuple[str, str | None, str | None, str | None]:
    """(status, opd, note, problem) for a status change."""
    new_status = form.get("status") or ""
    opd = form.get("opd") or None if new_status == "diteruskan" else None
    note = " ".join((form.get("note") or "").split())[:MAX["note"]] or None
    if not new_status:  # the form pre-selects nothing: kecamatan and selesai text supporters
        return new_status, opd, note, "Pilih status baru."
    if new_status not in allowed:
        return new_status, opd, note, "Status itu tidak bisa dipilih dari status sekarang."
    if new_status == "diteruskan" and opd not in opds:
        return new_status, opd, note, "Pilih OPD tujuan dari daftar."
    if new_status == "ditolak" and not note:
        return new_status, opd, note, "Alasan penolakan wajib diisi."
    return new_status, opd, note, None
