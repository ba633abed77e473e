"""`aspirasi contacts import|list|set-role`: admins manage contacts and roles from a CSV.

A file with any bad row imports nothing (each bad line is reported with its number and
reason) unless --skip-invalid; an import never clears an opt-out.
"""

from __future__ import annotations

import getpass
import os

import click

from data.contacts import ROLES
from gateway.commands.core import settings_or_exit
from gateway.contact_import import (  # noqa: F401 - the one implementation, shared
    MAX_BYTES,
    ImportRefused,
    import_rows,
    parse_csv,
)


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
