"""`aspirasi contacts import|list|set-role`: admins manage contacts and roles from a CSV.

A file with any bad row imports nothing (each bad line is reported with its number and
reason) unless --skip-invalid; an import never clears an opt-out.
"""

from __future__ import annotations

import csv
import getpass
import io
import os
from dataclasses import dataclass, field

import click

from data.contacts import ROLES, check_role
from gateway.commands.core import settings_or_exit

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


def admin_actor() -> str:
    return f"cli:{getpass.getuser()}"


@click.group("contacts")
def contacts_group():
    """Manage contacts: import a CSV, list, set a role."""


@contacts_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--skip-invalid", is_flag=True, help="Import the good rows, report the rest.")
def import_command(path, skip_invalid):
    """Import contacts from a CSV with columns nomor,nama,kelurahan,peran (',' or ';')."""
    from data.db import open_db

    s = settings_or_exit()
    with open(path, "rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    try:
        parsed = parse_csv(data)
    except ImportRefused as exc:
        raise click.ClickException(f"berkas ditolak: {exc}") from None
    for line, reason in parsed.errors:
        click.echo(f"baris {line}: {reason}", err=True)
    if parsed.errors and not skip_invalid:
        raise click.ClickException(
            f"{len(parsed.errors)} baris salah; tidak ada yang diimpor "
            "(perbaiki, atau pakai --skip-invalid untuk mengimpor baris yang benar)")
    report = import_rows(open_db(s.db_path), parsed.rows, admin_actor(),
                         os.path.basename(path), len(parsed.errors))
    click.echo(f"diimpor {len(parsed.rows)} kontak: {report['created']} baru, "
               f"{report['updated']} diperbarui, {len(parsed.errors)} baris dilewati")
    if report["opted_out"]:
        click.echo(f"{len(report['opted_out'])} kontak tetap berhenti (BERHENTI/STOP), "
                   "tidak akan menerima siaran:")
        for address in report["opted_out"]:
            click.echo(f"  {address}")


@contacts_group.command("list")
@click.option("--kelurahan")
@click.option("--role", type=click.Choice(ROLES))
@click.option("--limit", default=1000, show_default=True)
def list_command(kelurahan, role, limit):
    """Print contacts (number, name, kelurahan, role, opted out)."""
    from data import contacts
    from data.db import open_db

    s = settings_or_exit()
    for c in contacts.listing(open_db(s.db_path), kelurahan, role, limit):
        click.echo("\t".join([c["address"], c["name"] or "-", c["kelurahan"] or "-",
                              c["role"], "berhenti" if c["opted_out"] else "aktif"]))


@contacts_group.command("set-role")
@click.argument("number")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--kelurahan", help="Required for kepala: the one kelurahan they may reach.")
def set_role_command(number, role, kelurahan):
    """Give a contact a role (a kepala is bound to exactly one kelurahan)."""
    from data import audit, contacts
    from data.addresses import InvalidNumber, normalize_number
    from data.db import open_db, transaction
    from parsers import places

    s = settings_or_exit()
    try:
        address = normalize_number(number)
    except InvalidNumber as exc:
        raise click.BadParameter(str(exc), param_hint="NUMBER") from None
    official = places.resolve_kelurahan(kelurahan) if kelurahan else None
    if kelurahan and not official:
        raise click.BadParameter(f"kelurahan {kelurahan!r} tidak dikenal",
                                 param_hint="--kelurahan")
    db = open_db(s.db_path)
    with transaction(db):
        contact = contacts.ensure(db, address)
        try:
            contacts.set_role(db, contact["id"], role, official, places.kecamatan_of(official))
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        audit.record(db, admin_actor(), "role", address, role=role, kelurahan=official,
                     previous=contact["role"])
    click.echo(f"{address}: peran {role}" + (f", Kel. {official}" if official else ""))


COMMANDS = [contacts_group]
