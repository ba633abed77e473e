"""Backups: one .tar.gz holding a consistent copy of the SQLite file (the online backup API,
safe while the gateway runs), the media folder and the spool, with a manifest; and restore.

A restore refuses to replace an existing database unless forced; when forced, the old files
are moved aside (`<name>.before-restore-<stamp>`), never deleted. The archive is checked
before anything is replaced: manifest, checksum, SQLite's integrity check.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile

from data import clock

DB_NAME = "aspirasi.db"
MANIFEST = "MANIFEST.json"
COUNTED = ("messages", "aspirations", "contacts", "outbox", "broadcasts", "staff_users",
           "audit_log")


class RestoreError(ValueError):
    """The archive cannot be restored here (message in Bahasa Indonesia)."""


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _counts(path: str) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in COUNTED if t in names}
    finally:
        conn.close()


def _check(path: str) -> None:
    conn = sqlite3.connect(path)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    if result != "ok":
        raise RestoreError(f"salinan database rusak: {result}")


def backup(db_path: str, archive: str, folders: dict[str, str]) -> dict:
    """Write `archive` (.tar.gz): a consistent copy of db_path plus `folders` {name: path}
    that exist. Returns the manifest."""
    target_dir = os.path.dirname(os.path.abspath(archive))
    os.makedirs(target_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".backup-") as work:
        copy = os.path.join(work, DB_NAME)
        source = sqlite3.connect(db_path, timeout=30)
        dest = sqlite3.connect(copy)
        try:
            # one step: a single read transaction, so a consistent snapshot; in WAL mode
            # writers go on meanwhile (in small steps a busy gateway restarts it over and over)
            source.backup(dest)
        finally:
            dest.close()
            source.close()
        _check(copy)
        manifest = {"format": 1, "created_at": clock.utcnow(), "database": DB_NAME,
                    "sha256": _sha256(copy), "counts": _counts(copy),
                    "folders": sorted(n for n, p in folders.items() if os.path.isdir(p))}
        partial = archive + ".partial"
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(os.path.getmtime(copy))
            tar.addfile(info, io.BytesIO(data))
            tar.add(copy, arcname=DB_NAME)
            for name in manifest["folders"]:
                tar.add(folders[name], arcname=name)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, archive)
    return manifest


def read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        return json.loads(tar.extractfile(MANIFEST).read())
    except (KeyError, AttributeError, ValueError) as exc:
        raise RestoreError("bukan arsip cadangan Aspirasi (MANIFEST.json tidak ada)") from exc


def _aside(path: str, stamp: str) -> str | None:
    """Move an existing file or folder out of the way; returns where it went."""
    if not os.path.lexists(path):
        return None
    moved = f"{path}.before-restore-{stamp}"
    os.replace(path, moved)
    return moved


def restore(archive: str, db_path: str, folders: dict[str, str], force: bool = False) -> dict:
    """Put the archive's database (and folders) in place. Returns the manifest plus `moved`
    (what was moved aside). RestoreError when refused or the archive is bad."""
    if os.path.exists(db_path) and not force:
        raise RestoreError(f"{db_path} sudah ada; pakai --force untuk menggantinya (yang lama "
                           "disimpan dengan akhiran .before-restore-...)")
    target_dir = os.path.dirname(os.path.abspath(db_path))
    os.makedirs(target_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".restore-") as work:
        try:
            with tarfile.open(archive, "r:gz") as tar:
                manifest = read_manifest(tar)
                if hasattr(tarfile, "data_filter"):
                    tar.extractall(work, filter="data")
                else:  # pragma: no cover - Python without the extraction filters
                    tar.extractall(work)
        except (OSError, tarfile.TarError) as exc:
            raise RestoreError(f"arsip tidak bisa dibaca: {exc}") from exc
        copy = os.path.join(work, manifest.get("database", DB_NAME))
        if not os.path.exists(copy) or _sha256(copy) != manifest.get("sha256"):
            raise RestoreError("database dalam arsip tidak cocok dengan MANIFEST.json")
        _check(copy)
        stamp = clock.utcnow().replace(":", "").replace(".", "")[:15]
        moved = [m for m in (_aside(db_path + suffix, stamp) for suffix in ("", "-wal", "-shm"))
                 if m]
        shutil.move(copy, db_path)
        for name in manifest.get("folders", []):
            if name in folders and os.path.isdir(os.path.join(work, name)):
                moved += [m for m in [_aside(folders[name], stamp)] if m]
                shutil.move(os.path.join(work, name), folders[name])
    return {**manifest, "moved": moved}
