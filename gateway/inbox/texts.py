"""What the citizen receives when staff act on a ticket: one table, Bahasa Indonesia, one SMS."""

from __future__ import annotations

from handlers.replies import fit_sms_segment

STATUS_TEXTS = {
    "diverifikasi": "Tiket {ticket}: usulan Anda sudah diperiksa dan diverifikasi petugas "
                    "Bappeda Bitung. Cek status: balas CEK {ticket}",
    "diteruskan": "Tiket {ticket}: usulan Anda diteruskan ke {opd} untuk ditindaklanjuti. "
                  "Cek status: balas CEK {ticket}",
    "selesai": "Tiket {ticket}: usulan Anda dinyatakan selesai. Terima kasih atas "
               "partisipasi Anda dalam Musrenbang Bitung.",
    "ditolak": "Tiket {ticket}: usulan belum dapat diproses. Alasan: {reason}",
}


def status_text(status: str, ticket: str, opd: str | None = None,
                reason: str | None = None) -> str:
    """The one-segment GSM-7 SMS for a status change; a long reason is shortened, never the
    ticket."""
    return fit_sms_segment(STATUS_TEXTS[status], shorten="reason", ticket=ticket,
                           opd=opd or "OPD terkait", reason=" ".join((reason or "-").split()))
