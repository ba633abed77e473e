"""Download inbound media into the instance folder, so staff see photos and hear voice notes
with no internet and no Twilio login.

An RQ job (woken through handlers.queue after an inbound batch, and by the reconciler for
retries): each pending item is fetched with the account's basic auth when it lives at Twilio,
bounded by an allow-list of types, a size cap and a per-message count cap, written atomically
under <instance>/media/, and given a JPEG thumbnail when it is an image. A failure waits and
is retried; it never touches the ack, which is already in the outbox.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import warnings
from urllib.parse import urlsplit

import requests
from PIL import Image, ImageOps

from data import media
from data.db import transaction
from handlers import queue
from handlers.context import database, settings

log = logging.getLogger(__name__)
TIMEOUT = (5, 20)  # connect, read (seconds)
JOB_BUDGET = 30.0  # a job stops after this long and wakes a successor: other jobs get a turn
THUMB_SIZE = (320, 320)
MAX_PIXELS = 40_000_000  # a "decompression bomb" is refused, not thumbnailed
TWILIO_HOSTS = {"api.twilio.com"}


def allowed_host(url: str, s) -> bool:
    """Only hosts on ASPIRASI_MEDIA_HOSTS (and the Twilio API's own) are ever fetched: a forged
    MediaUrl cannot make the worker call into the office network."""
    host = urlsplit(url).hostname or ""
    return host in {*s.media_hosts, urlsplit(s.twilio_api_url).hostname}


class Refused(Exception):
    """Not kept and not retried: outside the allow-list, or too large."""


class Permanent(Exception):
    """The provider refused for good (404, 403…)."""


def credentials_for(url: str, s) -> tuple[str, str] | None:
    """Twilio's media URLs need the account's basic auth; no other host ever gets it."""
    host = urlsplit(url).hostname or ""
    ours = {urlsplit(s.twilio_api_url).hostname, *TWILIO_HOSTS}
    if s.twilio_enabled and host in ours:
        return (s.twilio_account_sid, s.twilio_auth_token)
    return None


def media_dir(s) -> str:
    return os.path.join(s.instance_dir, "media")


def download(url: str, declared: str, s) -> tuple[str, bytes]:
    """(content type, body) within the caps; Refused, Permanent, or a retryable error."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise Refused("bukan alamat http(s)")
    if not allowed_host(url, s):
        raise Refused(f"host {urlsplit(url).hostname} tidak diizinkan (ASPIRASI_MEDIA_HOSTS)")
    cap = int(s.media_max_mb * 1024 * 1024)
    with requests.get(url, auth=credentials_for(url, s), timeout=TIMEOUT, stream=True) as resp:
        if resp.status_code in (408, 429) or resp.status_code >= 500:
            raise OSError(f"HTTP {resp.status_code}")
        if resp.status_code >= 400:
            raise Permanent(f"HTTP {resp.status_code}")
        kind = media.base_type(resp.headers.get("Content-Type"))
        if kind in ("", "application/octet-stream", "binary/octet-stream"):
            kind = media.base_type(declared)
        if kind not in media.ALLOWED_TYPES:
            raise Refused(f"jenis {kind or '?'} tidak disimpan")
        if int(resp.headers.get("Content-Length") or 0) > cap:
            raise Refused(f"lebih dari {s.media_max_mb:g} MB")
        body = bytearray()
        for chunk in resp.iter_content(65536):
            body += chunk
            if len(body) > cap:
                raise Refused(f"lebih dari {s.media_max_mb:g} MB")
    return kind, bytes(body)


def thumbnail(body: bytes, target: str) -> bool:
    """A small JPEG of an image (EXIF rotation applied); False when Pillow cannot read it."""
    import io

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(body)) as image:
                if image.width * image.height > MAX_PIXELS:
                    return False
                image = ImageOps.exif_transpose(image)
                image.thumbnail(THUMB_SIZE)
                write_atomic(target, lambda handle: image.convert("RGB").save(
                    handle, "JPEG", quality=80))
        return True
    except (OSError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        return False


def write_atomic(path: str, write) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "wb") as handle:
        write(handle)
    os.replace(temporary, path)


def fetch_one(db, s, row: dict) -> str:
    """Download and store one item; returns its new status."""
    try:
        kind, body = download(row["url"], row["declared_type"], s)
    except Refused as exc:
        with transaction(db):
            media.mark_refused(db, row["id"], str(exc))
        return "refused"
    except Permanent as exc:
        with transaction(db):
            media.mark_failed(db, row["id"], str(exc))
        return "failed"
    except (requests.RequestException, OSError) as exc:
        delay = min(10 * 2 ** row["attempts"], 3600)
        with transaction(db):
            media.mark_retry(db, row["id"], f"{type(exc).__name__}: {exc}", delay,
                             s.media_max_attempts)
        log.info("media %s: %s; retry in %ss", row["id"], exc, delay)
        return "pending"
    month = row["created_at"][:7]
    relative = f"{month}/{row['id']}.{media.ALLOWED_TYPES[kind]}"
    write_atomic(os.path.join(media_dir(s), relative), lambda handle: handle.write(body))
    thumb = f"{month}/{row['id']}-kecil.jpg" if kind.startswith("image/") else None
    if thumb and not thumbnail(body, os.path.join(media_dir(s), thumb)):
        thumb = None
    with transaction(db):
        media.mark_stored(db, row["id"], kind, relative, thumb, len(body),
                          hashlib.sha256(body).hexdigest())
    return "stored"


def fetch_due() -> int:
    """RQ job: download every due item, for at most JOB_BUDGET seconds (then wake again)."""
    s = settings()
    db = database(s)
    queue.woken(queue.connect(s.effective_redis_url), "media")
    started, done = time.monotonic(), 0
    while time.monotonic() - started < JOB_BUDGET:
        rows = media.claim_due(db, 10)
        if not rows:
            return done
        for row in rows:
            fetch_one(db, s, row)
            done += 1
    queue.try_wake(s.effective_redis_url, "media")
    return done
