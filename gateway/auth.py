"""Staff login, roles and CSRF: what every staff page (inbox, broadcasts, admin) relies on.

Reuse: `login_required`, `role_required(*roles)`, `current_user()`, `csrf_token()` (also in
templates) and `check_csrf()`; `init_app(app)` installs the CSRF check on every POST outside
/webhooks/ and the security headers.
"""

from __future__ import annotations

import functools
import hmac
import re
import secrets
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface

from data import audit, staff_accounts
from data.db import transaction
from gateway import accounts, runtime

bp = Blueprint("auth", __name__)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
EXEMPT_PREFIXES = ("/webhooks/",)
# Machines call these: no cookie to read, verify or write (Flask would do all three on every
# webhook), and a view there that touched the session would fail loudly. (/healthz keeps its
# session: it shows an admin the details.)
SESSIONLESS_PREFIXES = EXEMPT_PREFIXES
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
MESSAGES = {
    "failed": "Nama pengguna atau kata sandi salah.",
    "throttled": "Terlalu banyak percobaan gagal dari perangkat ini. Coba lagi dalam {wait} "
                 "detik.",
    "csrf": "Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi.",
    "idle": "Sesi berakhir karena tidak ada kegiatan selama {hours:g} jam. Silakan masuk lagi.",
}
# A same-site path: one "/", then no second "/" or "\\" (a browser reads "//" and "/\\" as
# another host), only printable ASCII (a tab or newline is dropped by browsers, or breaks the
# Location header). Anything else goes to the inbox.
SAFE_NEXT = re.compile(r"/(?![/\\])[\x21-\x5b\x5d-\x7e]*")
# Requests that do not count as activity: a page left open polls these by itself.
PASSIVE_SUFFIXES = (".json",)
SEEN_GRANULARITY = 60  # seconds: the session cookie is rewritten at most once a minute


# An `opd` account works on its own pages (gateway.opd_desk) only: any other staff route is a
# 404 for it, so nothing beyond what was forwarded to its OPD is ever shown or changed.
OPD_ENDPOINTS = ("opd_desk.", "auth.")
OPD_HOME = ("root", "inbox.index")


class StaffSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session for staff pages; none for webhooks."""

    def open_session(self, app, request):
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return self.make_null_session(app)
        return super().open_session(app, request)


def init_app(app) -> None:
    app.session_interface = StaffSessions()
    app.register_blueprint(bp)
    app.before_request(check_csrf)
    app.before_request(confine_opd)
    app.after_request(_security_headers)
    app.context_processor(lambda: {"csrf_token": csrf_token, "current_user": current_user})


# --- CSRF -------------------------------------------------------------------------------------

def csrf_token() -> str:
    """The session's token; created on first use."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def check_csrf():
    """Refuse any POST (outside /webhooks/) whose token does not match the session's."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.path.startswith(EXEMPT_PREFIXES):
        return None
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.get(CSRF_FIELD) or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description=MESSAGES["csrf"])
    return None


def _security_headers(response):
    if not request.path.startswith(EXEMPT_PREFIXES):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
    return response


# --- who is logged in -------------------------------------------------------------------------

def current_user() -> dict | None:
    """{id, username, role, kelurahan} of the logged-in, active staff member, or None.

    The one session check: an account that is gone or inactive, or a session idle longer
    than ASPIRASI_IDLE_HOURS, is logged out here."""
    if "staff_user" not in g:
        user = None
        user_id = session.get("user_id")
        if user_id is not None and _idle_expired():
            session.clear()
            g.session_expired = True
            user_id = None
        if user_id is not None:
            row = staff_accounts.get(runtime.db(), user_id)
            # the session's version must be the account's: logout, a password reset and
            # deactivation raise it, so a copied cookie stops working at once
            if row and row["active"] and session.get("sv") == row["session_version"]:
                user = {k: row[k] for k in ("id", "username", "role", "kelurahan", "opd")}
                _mark_seen()
        g.staff_user = user
    return g.staff_user


def _idle_expired() -> bool:
    seen = session.get("seen")
    limit = runtime.settings().idle_hours * 3600
    return not isinstance(seen, int | float) or time.time() - seen > limit


def _mark_seen() -> None:
    """This request is activity (unless the page polls by itself)."""
    if request.path.endswith(PASSIVE_SUFFIXES):
        return
    now = int(time.time())
    if now - session.get("seen", 0) >= SEEN_GRANULARITY:
        session["seen"] = now


def confine_opd():
    """Keep an `opd` account on its OPD's pages (its home: the OPD desk)."""
    if "user_id" not in session or request.endpoint in (None, "static"):
        return None
    user = current_user()
    if user is None or user["role"] != "opd" or request.endpoint.startswith(OPD_ENDPOINTS):
        return None
    if request.endpoint in OPD_HOME:
        return redirect(url_for("opd_desk.index"))
    abort(404)


def scope_opd() -> str | None:
    """The OPD an `opd` account is bound to; None for every other role."""
    user = current_user()
    return user["opd"] if user and user["role"] == "opd" else None


def scope_kelurahan() -> str | None:
    """The kelurahan a `kelurahan` account is confined to; None for admin and staf."""
    user = current_user()
    return user["kelurahan"] if user and user["role"] == "kelurahan" else None


def can_see_numbers() -> bool:
    user = current_user()
    return bool(user and user["role"] in ("admin", "staf"))


def _refuse_anonymous():
    wants_page = request.method == "GET" and not request.path.endswith(
        (".csv", ".json", ".xlsx"))
    if g.get("session_expired"):
        flash(MESSAGES["idle"].format(hours=runtime.settings().idle_hours), "warning")
    if wants_page:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(401)


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            return _refuse_anonymous()
        return view(*args, **kwargs)

    return wrapped


def role_required(*roles):
    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                return _refuse_anonymous()
            if user["role"] not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def record(action: str, target: str | None = None, **detail) -> None:
    """Audit a staff action under the current user's name."""
    user = current_user()
    audit.record(runtime.db(), user["username"] if user else "anonim", action, target, **detail)


# --- pages ------------------------------------------------------------------------------------

def _safe_next(target: str | None) -> str:
    """Only same-site paths: '/inbox?x=1' yes; '//evil', '/%09/evil', 'http://…' no."""
    if target and SAFE_NEXT.fullmatch(target):
        return target
    return url_for("inbox.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, status, headers = None, 200, {}
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()[:64]
        password = request.form.get("password") or ""
        address = request.remote_addr or "-"
        db = runtime.db()
        user, outcome, wait = accounts.authenticate(db, username, password, address)
        if outcome != "throttled":  # a throttled attempt writes nothing (no row, no audit)
            actor = username or "anonim"
            with transaction(db):
                accounts.record_attempt(db, username, address, user, outcome)
                audit.record(db, user["username"] if user else actor,
                             "login" if user else "login_failed", actor, outcome=outcome,
                             ip=address)
        if user:
            session.clear()  # a fresh session on login: no fixation
            session["user_id"] = user["id"]
            session["sv"] = user["session_version"]
            session["seen"] = int(time.time())
            session.permanent = False
            csrf_token()
            return redirect(_safe_next(request.args.get("next")))
        seconds = max(1, int(wait + 0.999))
        error = MESSAGES[outcome].format(wait=seconds)
        status, headers = (429, {"Retry-After": str(seconds)}) if outcome == "throttled" \
            else (401, {})
        current_app.logger.info("login %s for %r from %s", outcome, username, address)
    return render_template("login.html", error=error, next=request.args.get("next")), status, \
        headers


@bp.route("/logout", methods=["POST"])
def logout():
    """Ends every session of the account (a copied cookie too), not only this browser's."""
    user = current_user()
    if user:
        db = runtime.db()
        with transaction(db):
            staff_accounts.end_sessions(db, user["id"])
            audit.record(db, user["username"], "logout", user["username"])
    session.clear()
    return redirect(url_for("auth.login"))
