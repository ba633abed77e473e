"""CLI commands for the staff feature: create-staff (accounts for the staff inbox)."""

from __future__ import annotations

import click

from gateway.commands.core import settings_or_exit


@click.command("create-staff")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "staf", "kelurahan"]), required=True,
              help="admin: accounts and contacts too; staf: every kelurahan; kelurahan: one.")
@click.option("--kelurahan", default=None, help="Official kelurahan name (required for "
                                                "--role kelurahan).")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
@click.option("--update", is_flag=True, help="The account exists: reset its password and role.")
def create_staff(username, role, kelurahan, password_stdin, update):
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
    if password_stdin:
        password = click.get_text_stream("stdin").readline().rstrip("\r\n")
    else:
        password = click.prompt("Kata sandi", hide_input=True, confirmation_prompt=True)
    db = open_db(settings_or_exit().db_path)
    try:
        with transaction(db):
            user = save_user(db, username, password, role, official, update=update)
            audit.record(db, "cli", "staff_update" if update else "staff_create", username,
                         role=role, kelurahan=official)
    except StaffError as exc:
        raise click.ClickException(str(exc)) from None
    scope = f", kelurahan {official}" if official else ""
    click.echo(f"akun {user['username']} ({role}{scope}) {'diperbarui' if update else 'dibuat'}")


COMMANDS = [create_staff]
