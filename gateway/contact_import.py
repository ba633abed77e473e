"""Contact CSV files, checked the same way from the command line and from the web upload:
every row validated (number, kelurahan, role, name), line numbers in the errors, and an
import that is all-or-nothing unless the caller chooses to skip the bad rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from data.contacts import ROLES, check_role

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
COLUMNS = ("nomor", "nama", "kelurahan", "peran")
MAX_NAME = 80


class ImportRefused(ValueError):
    """The whole file is refused (too big, not UTF-8, no header)."""


@dataclass
class Parsed:
    rows: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"berkas lebih dari {MAX_BYTES // (1024 * 1024)} MB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"berkas bukan UTF-8 (byte {exc.start})") from None


def delimiter(text: str) -> str:
    """';' (Excel in Indonesian locale) or ',' — whichever the header line uses more."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def check_row(raw: dict) -> dict:
    """One CSV row → a contact dict; raise ValueError with the reason in Bahasa Indonesia."""
    from data.addresses import InvalidNumber, normalize_number
    from parsers import places

    try:
        address = normalize_number(raw.get("nomor") or "")
    except InvalidNumber as exc:
        raise ValueError(str(exc)) from None
    name = " ".join((raw.get("nama") or "").split())
    if len(name) > MAX_NAME:
        raise ValueError(f"nama lebih dari {MAX_NAME} karakter")
    role = (raw.get("peran") or "").strip().lower() or None  # blank: keep (new: warga)
    if role is not None and role not in ROLES:
        check_role(role, None)  # raises: unknown role
    typed = (raw.get("kelurahan") or "").strip()
    kelurahan = places.resolve_kelurahan(typed) if typed else None
    if typed and not kelurahan:
        hint = ", ".join(places.suggest_kelurahan(typed, 2))
        raise ValueError(f"kelurahan {typed[:40]!r} tidak dikenal"
                         + (f" (maksud Anda: {hint}?)" if hint else ""))
    if role is not None:
        check_role(role, kelurahan)
    return {"address": address, "name": name or None, "kelurahan": kelurahan,
            "kecamatan": places.kecamatan_of(kelurahan), "role": role}


def parse_csv(data: bytes) -> Parsed:
    """Validate every row; the caller decides whether errors stop the import."""
    text = decode(data)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    try:
        return _rows(reader)
    except csv.Error:  # a cell over the csv module's limit (an unclosed quote, a binary file)
        raise ImportRefused(f"baris {reader.line_num + 1}: sel lebih dari "
                            f"{csv.field_size_limit() // 1024} KB (tanda kutip tidak "
                            "ditutup?)") from None


def _rows(reader: csv.DictReader) -> Parsed:
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    if "nomor" not in header:
        raise ImportRefused(f"baris 1: kolom wajib {', '.join(COLUMNS)}; ditemukan: "
                            f"{', '.join(header)[:120] or '(kosong)'}")
    reader.fieldnames = header
    out, seen = Parsed(), {}
    for raw in reader:
        if not any((v or "").strip() for k, v in raw.items() if k in COLUMNS):
            continue  # an empty line
        if len(out.rows) + len(out.errors) >= MAX_ROWS:
            raise ImportRefused(f"lebih dari {MAX_ROWS} baris")
        line = reader.line_num
        try:
            row = check_row(raw)
            if row["address"] in seen:
                raise ValueError(f"nomor {row['address']} ganda (sudah di baris "
                                 f"{seen[row['address']]})")
        except ValueError as exc:
            out.errors.append((line, str(exc)))
            continue
        seen[row["address"]] = line
        out.rows.append(row)
    return out


def import_rows(db, rows: list[dict], actor: str, source: str, skipped: int) -> dict:
    """Upsert and audit in one transaction."""
    from data import audit, contacts
    from data.db import transaction

    with transaction(db):
        report = contacts.upsert_many(db, rows)
        audit.record(db, actor, "contacts_import", source, created=report["created"],
                     updated=report["updated"], skipped=skipped,
                     kept_opted_out=len(report["opted_out"]))
    return report
