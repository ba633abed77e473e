"""What every staff page shares: WITA time, the filter query string, template filters."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from flask import render_template, request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from data import clock, desk, relay_devices
from data.addresses import mask_number
from data.aspirations import KINDS, STATUSES
from gateway.inbox import labels
from handlers.replies import CATEGORY_LABELS
from parsers.search import spans

FILTER_KEYS = ("q", "category", "kecamatan", "kelurahan", "status", "channel", "dari", "sampai",
               "jenis", "susulan", "saya")
# The contract names `kategori` too: /inbox?kategori=ekonomi is /inbox?category=ekonomi.
ALIASES = {"kategori": "category"}
DATE_ERRORS = {
    "bad": "Tanggal '{value}' tidak dikenal; pakai format TTTT-BB-HH (mis. 2026-11-30).",
    "range": "Tanggal '{value}' di luar rentang yang dilayani (tahun {first} sampai {last}).",
    "order": "Rentang tanggal mustahil: 'sampai' ({end}) lebih awal dari 'dari' ({start}). "
             "Tidak ada pesan yang bisa cocok; perbaiki salah satunya.",
}
# The inbox tabs: aspirations (the default), questions, tickets with unread follow-ups.
KIND_LABELS = {"aspirasi": "Aspirasi", "pertanyaan": "Pertanyaan"}
CHANNEL_LABELS = {"sms": "SMS", "whatsapp": "WhatsApp"}
FACET_LABELS = {"category": "Kategori", "kecamatan": "Kecamatan", "kelurahan": "Kelurahan",
                "status": "Status", "channel": "Saluran"}


STAFF_PREFIXES = ("/inbox", "/dashboard", "/admin", "/login", "/logout", "/broadcasts",
                  "/usulan", "/musrenbang", "/hadir", "/opd", "/jawaban-opd")
ERRORS = {
    400: "Permintaan tidak dapat diproses.",
    401: "Silakan masuk terlebih dahulu.",
    403: "Anda tidak berhak membuka halaman ini.",
    404: "Halaman atau tiket tidak ditemukan.",
    405: "Cara membuka halaman ini tidak diizinkan.",
}


def error_page(exc: HTTPException):
    """Staff pages explain errors in Bahasa Indonesia; other routes keep their own answers."""
    if not request.path.startswith(STAFF_PREFIXES):
        return exc
    specific = exc.description if exc.description != type(exc).description else None
    message = specific or ERRORS.get(exc.code, "Terjadi kesalahan.")
    return render_template("error.html", code=exc.code, message=message), exc.code


def init_app(app) -> None:
    for code in ERRORS:
        app.register_error_handler(code, error_page)
    app.add_template_filter(wita, "wita")
    app.add_template_filter(mask_number, "mask")
    app.add_template_filter(lambda c: CATEGORY_LABELS.get(c, c or "-"), "category_label")
    app.add_template_filter(lambda c: CHANNEL_LABELS.get(c, c or "-"), "channel_label")
    app.add_template_filter(first_line, "first_line")
    app.add_template_filter(highlight, "highlight")
    app.add_template_filter(labels.media_label, "media_label")
    app.add_template_filter(lambda k: labels.OUTBOX_KINDS.get(k, k), "outbox_kind")
    app.add_template_filter(lambda s: labels.DELIVERY_LABELS.get(s, s), "delivery")
    app.add_template_filter(lambda r: labels.ROLE_LABELS.get(r, r), "role_label")
    app.add_template_filter(sender, "sender")
    app.add_template_global(desk.fill, "fill")
    app.add_template_global(STATUSES, "STATUSES")
    app.add_template_global(CATEGORY_LABELS, "CATEGORY_LABELS")
    app.add_template_global(FACET_LABELS, "FACET_LABELS")
    app.add_template_global(KIND_LABELS, "KIND_LABELS")
    app.add_template_global(relay_alerts, "relay_alerts")


def relay_alerts() -> list[dict]:
    """Relay phones staff were told are silent: the banner on every staff page."""
    from gateway.runtime import db, settings

    return relay_devices.silent(db()) if settings().relay_receives else []


def wita(stamp: str | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A stored UTC timestamp shown in Bitung's time (WITA)."""
    if not stamp:
        return "-"
    return clock.to_wita(stamp).strftime(fmt)


def highlight(text: str | None, query: str | None) -> Markup:
    """The text escaped, with every word the search matched in <mark> ("jln" for "jalan")."""
    text = text or ""
    out, last = [], 0
    for start, end in spans(text, query):
        out += [escape(text[last:start]), Markup("<mark>"), escape(text[start:end]),
                Markup("</mark>")]
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def sender(row) -> str:
    """The contact's name when known, with the masked number."""
    number = mask_number(row.get("address") or "")
    return f"{row['contact_name']} ({number})" if row.get("contact_name") else number


def first_line(text: str | None, limit: int = 120, lines: int = 1) -> str:
    """The first line(s) of a text, cut at `limit` characters (a card shows two lines)."""
    kept = [line.strip() for line in (text or "").splitlines() if line.strip()][:lines]
    line = " / ".join(kept)
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def read_filters(args) -> dict:
    """The query string → clean filter values (unknown keys dropped, dates checked). Problems
    a person should hear about (a bad date, an impossible range) are in filters['errors']."""
    raw = {key: (args.get(key) or "").strip()[:100] for key in FILTER_KEYS}
    for alias, key in ALIASES.items():
        raw[key] = raw[key] or (args.get(alias) or "").strip()[:100]
    filters = {key: value for key, value in raw.items() if value}
    errors = []
    if filters.get("status") and filters["status"] not in STATUSES:
        filters.pop("status")
    if filters.get("jenis") in KINDS:
        filters["kind"] = filters["jenis"]
    else:
        filters.pop("jenis", None)
    if filters.get("susulan") == "1":
        filters["unread"] = True
    else:
        filters.pop("susulan", None)
    if filters.get("saya") != "1":
        filters.pop("saya", None)
    start, end = clock.parse_day(raw["dari"]), clock.parse_day(raw["sampai"])
    for key, day in (("dari", start), ("sampai", end)):
        if raw[key] and day is None:
            filters.pop(key)
            kind = "range" if clock.is_iso_day(raw[key]) else "bad"
            errors.append(DATE_ERRORS[kind].format(value=raw[key], first=clock.FIRST_DAY.year,
                                                   last=clock.LAST_DAY.year))
    if start and end and end < start:
        errors.append(DATE_ERRORS["order"].format(start=start.strftime("%d/%m/%Y"),
                                                  end=end.strftime("%d/%m/%Y")))
    if start:
        filters["created_from"] = clock.wita_midnight(start)
    if end:
        filters["created_to"] = clock.wita_midnight(end + timedelta(days=1))  # inclusive
    if errors:
        filters["errors"] = errors
    return filters


def query_string(filters: dict, **changes) -> str:
    """The bookmarkable query string for these filters with some values changed or removed."""
    values: dict = {key: filters.get(key) for key in FILTER_KEYS}
    values.update(changes)
    pairs = [(key, value) for key, value in values.items() if value not in (None, "")]
    return "?" + urlencode(pairs) if pairs else "?"
