"""Operator commands: requeue failed work, back up and restore, apply retention now."""

from __future__ import annotations

import click

from gateway.commands.core import settings_or_exit


def since_stamp(text: str | None) -> str | None:
    """--since 2026-11-30 (a WITA day) or 2026-11-30T08:00 (WITA) → the stored UTC stamp."""
    from data import clock

    if not text:
        return None
    try:
        moment = clock.from_wita_local(text if "T" in text else text + "T00:00")
    except ValueError:
        raise click.BadParameter("pakai YYYY-MM-DD atau YYYY-MM-DDTHH:MM (WITA)",
                                 param_hint="--since") from None
    return clock.iso(moment)


@click.command("requeue")
@click.option("--messages", "only_messages", is_flag=True,
              help="Only inbound messages that failed processing.")
@click.option("--outbox", "only_outbox", is_flag=True, help="Only messages that failed to send.")
@click.option("--since", default=None, help="Only those since this WITA date/time.")
def requeue_command(only_messages, only_outbox, since):
    """Retry failed messages and failed sends (both unless one flag is given)."""
    from data.db import open_db
    from handlers.requeue import requeue

    s = settings_or_exit()
    both = not (only_messages or only_outbox)
    counts = requeue(open_db(s.db_path), s, "cli", messages=both or only_messages,
                     rows=both or only_outbox, since=since_stamp(since))
    click.echo(f"diproses ulang: {counts['messages']} pesan masuk, {counts['outbox']} pesan "
               "keluar")


def folders(s) -> dict[str, str]:
    return {"media": s.media_dir, "spool": s.effective_spool_dir}


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path):
    """Write a .tar.gz backup (database, media, spool) to PATH; safe while the gateway runs."""
    from data import backup

    s = settings_or_exit()
    manifest = backup.backup(s.db_path, path, folders(s))
    counts = ", ".join(f"{k} {v}" for k, v in manifest["counts"].items())
    click.echo(f"cadangan {path}: {counts}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace an existing database (kept aside).")
def restore_command(path, force):
    """Restore a backup made by `aspirasi backup` (stop the gateway first)."""
    from data import backup

    s = settings_or_exit()
    try:
        manifest = backup.restore(path, s.db_path, folders(s), force=force)
    except backup.RestoreError as exc:
        raise click.ClickException(str(exc)) from None
    counts = ", ".join(f"{k} {v}" for k, v in manifest["counts"].items())
    click.echo(f"dipulihkan dari {path} (dibuat {manifest['created_at']}): {counts}")
    for moved in manifest["moved"]:
        click.echo(f"yang lama disimpan: {moved}")


@click.command("retention")
@click.option("--days", type=click.IntRange(1), default=None,
              help="Instead of ASPIRASI_RETENTION_DAYS.")
def retention_command(days):
    """Remove raw payloads and full numbers of closed tickets older than the retention now."""
    from data.db import open_db
    from handlers import retention

    s = settings_or_exit()
    days = days or s.retention_days
    if not days:
        raise click.ClickException("ASPIRASI_RETENTION_DAYS belum diatur (atau pakai --days)")
    counts = retention.apply(open_db(s.db_path), days, actor="cli")
    click.echo(", ".join(f"{k} {v}" for k, v in counts.items()))


COMMANDS = [requeue_command, backup_command, restore_command, retention_command]
