"""CLI commands for the staff feature: create-staff (accounts for the staff inbox)."""

from __future__ import annotations

import click

from gateway.commands.core import settings_or_exit


@click.command("create-staff")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "staf", "kelurahan", "opd"]), required=True,
              help="admin: accounts and contacts too; staf: every kelurahan; kelurahan: one; "
                   "opd: what was forwarded to one OPD.")
@click.option("--kelurahan", default=None, help="Official kelurahan name (required for "
                                                "--role kelurahan).")
@click.option("--opd", default=None, help="OPD name from data/opd.tsv (required for --role opd).")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
@click.option("--update", is_flag=True, help="The account exists: reset its password and role.")
def create_staff(username, role, kelurahan, opd, password_stdin, update):
    """Create (or with --update reset) a staff account; the password is never an argument."""
    from data import audit
    from data.db import open_db, transaction
    from data.staff_accounts import StaffError
    from gateway.accounts import save_user
    from parsers.places import resolve_kelurahan, suggest_kelurahan

    official = None
    if role == "kelurahan":
        if not kelurahan:
            raise click.UsageError("--role kelurahan memerlukan --kelurahan NAMA")
        official = resolve_kelurahan(kelurahan)
        if official is None:
            hint = ", ".join(suggest_kelurahan(kelurahan)) or "lihat data/bitung_wilayah.csv"
            raise click.ClickException(f"kelurahan {kelurahan!r} tidak dikenal (maksud: {hint})")
    elif kelurahan:
        raise click.UsageError("--kelurahan hanya untuk --role kelurahan")
    if (role == "opd") != bool(opd):
        raise click.UsageError("--opd NAMA wajib untuk --role opd, dan hanya untuk itu")
    if password_stdin:
        password = click.get_text_stream("stdin").readline().rstrip("\r\n")
    else:
        password = click.prompt("Kata sandi", hide_input=True, confirmation_prompt=True)
    db = open_db(settings_or_exit().db_path)
    try:
        with transaction(db):
            user = save_user(db, username, password, role, official, update=update, opd=opd)
            audit.record(db, "cli", "staff_update" if update else "staff_create", username,
                         role=role, kelurahan=official, opd=opd)
    except StaffError as exc:
        raise click.ClickException(str(exc)) from None
    scope = f", kelurahan {official}" if official else f", {opd}" if opd else ""
    click.echo(f"akun {user['username']} ({role}{scope}) {'diperbarui' if update else 'dibuat'}")


@click.command("staff-phone")
@click.argument("username")
@click.argument("number", required=False)
@click.option("--clear", is_flag=True, help="Remove the number (no more alerts by SMS).")
def staff_phone(username, number, clear):
    """Set the number an admin gets relay alerts on (SMS, or WhatsApp inside its window)."""
    from data import audit, staff_accounts
    from data.addresses import InvalidNumber, normalize_number
    from data.db import open_db, transaction

    if bool(number) == clear:
        raise click.UsageError("beri NOMOR, atau --clear untuk menghapusnya")
    try:
        phone = None if clear else normalize_number(number)
    except InvalidNumber as exc:
        raise click.BadParameter(str(exc), param_hint="NUMBER") from None
    db = open_db(settings_or_exit().db_path)
    user = staff_accounts.by_username(db, username)
    if user is None:
        raise click.ClickException(f"pengguna {username!r} tidak ada")
    with transaction(db):
        staff_accounts.set_phone(db, user["id"], phone)
        audit.record(db, "cli", "staff_phone", username, phone=bool(phone))
    note = "" if user["role"] == "admin" else " (hanya admin yang menerima peringatan relay)"
    click.echo(f"nomor {user['username']}: {phone or 'dihapus'}{note}")


COMMANDS = [create_staff, staff_phone]
