"""The dashboard: counts by category × place, by status, per week; overdue `baru` tickets."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template

from data import inbox_queries, opd_items, reference
from data.clock import wita_midnight, wita_today
from gateway import auth, runtime
from gateway.inbox import charts
from handlers.replies import CATEGORY_LABELS

bp = Blueprint("dashboard", __name__)
PROMISE_WORKING_DAYS = 3  # LAPOR!: verification within 3 working days
WEEKS = 12


def is_working_day(day: date, holidays: set[str]) -> bool:
    return day.weekday() < 5 and day.isoformat() not in holidays


def due_date(received: date, holidays: set[str], days: int = PROMISE_WORKING_DAYS) -> date:
    """The last day of the promise: the n-th working day after the day it arrived."""
    day, left = received, days
    while left:
        day += timedelta(days=1)
        left -= is_working_day(day, holidays)
    return day


def overdue_cutoff(today: date, holidays: set[str], days: int = PROMISE_WORKING_DAYS) -> date:
    """First received-day that is still within the promise today; earlier days are overdue."""
    day = today
    while due_date(day - timedelta(days=1), holidays, days) >= today:
        day -= timedelta(days=1)
    return day


def week_starts(today: date) -> list[date]:
    """Mondays of the last WEEKS weeks (WITA), oldest first, plus next Monday as the end."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=back) for back in range(WEEKS - 1, -2, -1)]


def place_table(rows) -> list[dict]:
    """Kecamatan rows with per-category counts and their kelurahan underneath (from combos)."""
    table: dict = {}
    for category, kelurahan, kecamatan, _status, _channel, count in rows:
        kec = table.setdefault(kecamatan or "(tanpa lokasi)",
                               {"counts": {}, "total": 0, "kelurahan": {}})
        kec["counts"][category] = kec["counts"].get(category, 0) + count
        kec["total"] += count
        kel = kec["kelurahan"].setdefault(kelurahan or "(tanpa kelurahan)",
                                          {"counts": {}, "total": 0})
        kel["counts"][category] = kel["counts"].get(category, 0) + count
        kel["total"] += count
    return [{"name": name, **value,
             "kelurahan": sorted(value["kelurahan"].items(), key=lambda kv: -kv[1]["total"])}
            for name, value in sorted(table.items(), key=lambda kv: -kv[1]["total"])]


@bp.route("/dashboard")
@auth.login_required
def index():
    db = runtime.db()
    scope = auth.scope_kelurahan()
    today = wita_today()
    holidays = reference.holidays()
    cutoff = overdue_cutoff(today, holidays)
    overdue_count, overdue_rows = inbox_queries.overdue(db, scope, wita_midnight(cutoff))
    opd_days = runtime.settings().opd_deadline_days  # LAPOR!-style: the OPD's answer is due
    opd_cutoff = overdue_cutoff(today, holidays, opd_days)
    opd_overdue = opd_items.overdue(db, wita_midnight(opd_cutoff), scope)
    starts = week_starts(today)
    counts = inbox_queries.cached(
        db, "weeks", lambda: inbox_queries.counts_between(
            db, scope, [wita_midnight(day) for day in starts]), scope, starts[0])
    weeks = [(day.strftime("%d/%m"), n) for day, n in zip(starts, counts, strict=False)]
    rows = inbox_queries.combos(db, {}, scope)
    places = place_table(rows)
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[row[3]] = statuses.get(row[3], 0) + row[5]
    totals = {c: sum(p["counts"].get(c, 0) for p in places) for c in CATEGORY_LABELS}
    return render_template(
        "inbox/dashboard.html", places=places, totals=totals, statuses=statuses,
        overdue_count=overdue_count, overdue_rows=overdue_rows, cutoff=cutoff,
        opd_overdue=opd_overdue, opd_days=opd_days,
        week_chart=charts.columns(weeks, "Aspirasi per minggu (12 minggu terakhir)"),
        category_chart=charts.bars([(CATEGORY_LABELS[c], n) for c, n in totals.items()],
                                   "Aspirasi per kategori"),
        status_chart=charts.bars([(s, statuses.get(s, 0)) for s in
                                  ("baru", "diverifikasi", "diteruskan", "selesai", "ditolak")],
                                 "Aspirasi per status"),
        categories=CATEGORY_LABELS)
