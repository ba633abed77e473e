"""Staff login, roles and CSRF: what every staff page (inbox, broadcasts, admin) relies on.

Reuse: `login_required`, `role_required(*roles)`, `current_user()`, `csrf_token()` (also in
templates) and `check_csrf()`; `init_app(app)` installs the CSRF check on every POST outside
/webhooks/ and the security headers.
"""

from __future__ import annotations

import functools
import hmac
import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from data import audit, staff_accounts
from data.db import transaction
from gateway import accounts, runtime

bp = Blueprint("auth", __name__)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
EXEMPT_PREFIXES = ("/webhooks/",)
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
MESSAGES = {
    "failed": "Nama pengguna atau kata sandi salah.",
    "locked": "Terlalu banyak percobaan gagal. Akun dikunci 15 menit.",
    "csrf": "Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi.",
}


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.before_request(check_csrf)
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
    """{id, username, role, kelurahan} of the logged-in, active staff member, or None."""
    if "staff_user" not in g:
        user = None
        user_id = session.get("user_id")
        if user_id is not None:
            row = staff_accounts.get(runtime.db(), user_id)
            if row and row["active"]:
                user = {k: row[k] for k in ("id", "username", "role", "kelurahan")}
        g.staff_user = user
    return g.staff_user


def scope_kelurahan() -> str | None:
    """The kelurahan a `kelurahan` account is confined to; None for admin and staf."""
    user = current_user()
    return user["kelurahan"] if user and user["role"] == "kelurahan" else None


def can_see_numbers() -> bool:
    user = current_user()
    return bool(user and user["role"] in ("admin", "staf"))


def _refuse_anonymous():
    wants_page = request.method == "GET" and not request.path.endswith((".csv", ".json"))
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
    """Only same-site paths: '/inbox?x=1' yes; '//evil', 'http://…', '/\\evil' no."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("inbox.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()[:64]
        password = request.form.get("password") or ""
        db = runtime.db()
        with transaction(db):
            user, outcome = accounts.authenticate(db, username, password)
            actor = username or "anonim"
            if user:
                audit.record(db, user["username"], "login", user["username"],
                             ip=request.remote_addr)
            else:
                audit.record(db, actor, "login_failed", actor, outcome=outcome,
                             ip=request.remote_addr)
        if user:
            session.clear()  # a fresh session on login: no fixation
            session["user_id"] = user["id"]
            session.permanent = False
            csrf_token()
            return redirect(_safe_next(request.args.get("next")))
        error = MESSAGES[outcome]
        current_app.logger.info("login %s for %r", outcome, username)
    status = 401 if error else 200
    return render_template("login.html", error=error, next=request.args.get("next")), status


@bp.route("/logout", methods=["POST"])
def logout():
    user = current_user()
    if user:
        record("logout", user["username"])
    session.clear()
    return redirect(url_for("auth.login"))
