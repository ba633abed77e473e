"""The status path of an aspiration, enforced on the server.

baru → diverifikasi → diteruskan (to an OPD) → selesai; ditolak (with a reason) from any open
status. Staff cannot move a ticket back: the citizen has already been told. An admin may reopen
a `ditolak` ticket to `diverifikasi` (a wrong rejection); that also tells the citizen.
"""

from __future__ import annotations

FORWARD = {
    "baru": ("diverifikasi", "ditolak"),
    "diverifikasi": ("diteruskan", "ditolak"),
    "diteruskan": ("selesai", "ditolak"),
    "selesai": (),
    "ditolak": (),
}
ADMIN_EXTRA = {"ditolak": ("diverifikasi",)}


def next_statuses(status: str, role: str) -> tuple[str, ...]:
    allowed = FORWARD.get(status, ())
    if role == "admin":
        allowed += ADMIN_EXTRA.get(status, ())
    return allowed


def check(status: str, new_status: str, role: str, opd: str | None, reason: str | None,
          opds: list[str]) -> str | None:
    """Why the change is refused (Bahasa Indonesia), or None when it is allowed."""
    if new_status not in next_statuses(status, role):
        return f"Status tidak dapat diubah dari {status} ke {new_status or '-'}."
    if new_status == "diteruskan" and opd not in opds:
        return "Pilih OPD tujuan dari daftar."
    if new_status == "ditolak" and not (reason or "").strip():
        return "Alasan penolakan wajib diisi."
    return None


CLOSING = ("selesai", "ditolak")


def suggested(options: tuple[str, ...]) -> str | None:
    """The status the form pre-selects: the next open step, never one that closes the ticket
    (selesai, ditolak must be chosen on purpose)."""
    return next((s for s in options if s not in CLOSING), None)


def fields_for(status: str) -> tuple[str, ...]:
    """The form fields a status needs: an OPD to forward to, or a reason to refuse."""
    return {"diteruskan": ("opd",), "ditolak": ("reason",)}.get(status, ())
