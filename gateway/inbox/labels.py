"""What staff read instead of codes: outbox kinds, delivery states, roles, and the audit log in
sentences ("rina mengubah status XFT38: baru → diverifikasi"). One table each."""

from __future__ import annotations

from data.addresses import mask_number

OUTBOX_KINDS = {"ack": "tanda terima", "reply": "balasan otomatis", "status": "kabar status",
                "broadcast": "siaran", "staff": "balasan petugas"}
DELIVERY_LABELS = {"queued": "menunggu kirim", "sending": "sedang dikirim",
                   "sent": "terkirim ke operator", "delivered": "sampai di HP warga",
                   "read": "dibaca", "undelivered": "tidak sampai", "failed": "gagal",
                   "canceled": "dibatalkan"}
ROLE_LABELS = {"admin": "Admin", "staf": "Staf", "kelurahan": "Petugas kelurahan",
               "opd": "Petugas OPD"}
FIELD_LABELS = {"category": "kategori", "kelurahan": "kelurahan", "kind": "jenis",
                "role": "peran", "kecamatan": "kecamatan", "opted_out": "berhenti info",
                "title": "judul", "location": "lokasi", "volume": "volume", "unit": "satuan",
                "cost": "perkiraan biaya", "opd": "OPD", "priority": "prioritas",
                "cycle": "siklus"}
FILTER_LABELS = {"q": "cari", "category": "kategori", "kecamatan": "kecamatan",
                 "kelurahan": "kelurahan", "status": "status", "channel": "saluran",
                 "dari": "dari", "sampai": "sampai", "jenis": "jenis", "susulan": "susulan",
                 "saya": "tiket saya"}
MEDIA_LABELS = (("image/", "📷 foto"), ("audio/", "🎤 pesan suara"), ("video/", "🎬 video"),
                ("application/pdf", "📄 dokumen"))


def media_label(content_type: str | None) -> str:
    kind = (content_type or "").lower()
    return next((label for prefix, label in MEDIA_LABELS if kind.startswith(prefix)),
                "📎 lampiran")


def word(value) -> str:
    """A detail value in words: ya/tidak, '-' for nothing, lists joined."""
    if value is True:
        return "ya"
    if value is False:
        return "tidak"
    if value in (None, "", [], {}):
        return "-"
    if isinstance(value, list | tuple):
        return ", ".join(word(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{FIELD_LABELS.get(k, k)} {word(v)}" for k, v in value.items() if v)
    return str(value)


def _change(old, new) -> str:
    return f"{word(old)} → {word(new)}"


def _export(d: dict) -> str:
    filters = d.get("filters") or {}
    shown = "; ".join(f"{FILTER_LABELS.get(k, k)} {v}" for k, v in filters.items()) or "semua"
    numbers = "nomor lengkap" if d.get("full_numbers") else "nomor disamarkan"
    return f"mengunduh data {(d.get('format') or 'csv').upper()} (saringan: {shown}; {numbers})"


def _status(d: dict, target: str) -> str:
    text = f"mengubah status {target}: {_change(d.get('old'), d.get('new'))}"
    text += f" (ke {d['opd']})" if d.get("opd") else ""
    text += f", alasan: {d['reason']}" if d.get("reason") else ""
    return text + (" · aksi massal" if d.get("batch") else "")


SENTENCES = {
    "login": lambda d, t: "masuk",
    "logout": lambda d, t: "keluar",
    "login_failed": lambda d, t: "gagal masuk (" + (
        "akun terkunci sementara" if d.get("outcome") == "locked" else "kata sandi salah") + ")",
    "view_number": lambda d, t: f"melihat nomor lengkap pengirim tiket {t}",
    "correct": lambda d, t: f"mengoreksi {FIELD_LABELS.get(d.get('field'), d.get('field'))} "
                            f"{t}: {_change(d.get('old'), d.get('new'))}",
    "status": lambda d, t: _status(d, t),
    "status_undo": lambda d, t: f"membatalkan perubahan status {t} (kembali ke "
                                f"{word(d.get('new'))}; SMS tidak dikirim)",
    "note": lambda d, t: f"menulis catatan internal di tiket {t}",
    "reply": lambda d, t: f"membalas warga pada tiket {t} ({word(d.get('segments'))} segmen)",
    "assign": lambda d, t: f"menugaskan tiket {t} ke {word(d.get('new'))}" if d.get("new")
    else f"melepas penugasan tiket {t}",
    "proposal": lambda d, t: f"mengisi usulan Musrenbang tiket {t}",
    "export": lambda d, t: _export(d),
    "staff_create": lambda d, t: f"membuat akun {t} (peran {word(d.get('role'))}"
                                 + (f", Kel. {d['kelurahan']}" if d.get("kelurahan") else "")
                                 + (f", {d['opd']}" if d.get("opd") else "") + ")",
    "staff_update": lambda d, t: f"mengubah akun {t} (peran {word(d.get('role'))}"
                                 + (f", Kel. {d['kelurahan']}" if d.get("kelurahan") else "")
                                 + ("; kata sandi diatur ulang" if d.get("password_reset") else "")
                                 + ")",
    "staff_active": lambda d, t: ("mengaktifkan" if d.get("active") else "menonaktifkan")
    + f" akun {t}",
    "contact_update": lambda d, t: f"mengubah kontak {t}: " + "; ".join(
        f"{FIELD_LABELS.get(k, k)} {_change(*v) if isinstance(v, list) and len(v) == 2 else word(v)}"
        for k, v in d.items()),
    "contacts_import": lambda d, t: f"mengimpor kontak dari {t}: {word(d.get('created'))} baru, "
                                    f"{word(d.get('updated'))} diperbarui, "
                                    f"{word(d.get('skipped'))} dilewati",
    "role": lambda d, t: f"mengubah peran kontak {t} menjadi {word(d.get('role'))}"
                         + (f" (Kel. {d['kelurahan']})" if d.get("kelurahan") else ""),
    "broadcast": lambda d, t: f"mengirim siaran #{t} ke {word(d.get('recipients'))} penerima",
    "broadcast_cancel": lambda d, t: f"membatalkan siaran #{t}",
    "security": lambda d, t: f"mencoba perintah {t} tanpa hak ({word(d.get('reason'))})",
    "canned": lambda d, t: f"menyimpan templat balasan \"{t}\"",
    # usulan (gateway.usulan_pages, gateway.opd_desk, gateway.opd_review)
    "usulan_confirm": lambda d, t: f"mengonfirmasi pengelompokan {t} "
                                   f"({word(d.get('newly_confirmed'))} tiket baru dikonfirmasi)",
    "usulan_split": lambda d, t: f"memisahkan {word(d.get('moved'))} tiket dari {t} menjadi "
                                 f"usulan baru {word(d.get('new'))}",
    "usulan_split_from": lambda d, t: f"membuat {t} dari tiket yang dipisahkan dari "
                                      f"{word(d.get('source'))}",
    "usulan_merge": lambda d, t: f"menggabungkan {t} ke {word(d.get('into'))}",
    "usulan_merge_from": lambda d, t: f"menggabungkan {word(d.get('source'))} ke {t}",
    "usulan_fields": lambda d, t: f"mengubah data usulan {t}: " + ", ".join(
        FIELD_LABELS.get(k, k) for k in d.get("changes") or {})
    + (f" (dari tiket {d['ticket']})" if d.get("ticket") else ""),
    "usulan_status": lambda d, t: _status(d, t).replace("alasan", "catatan")
    + (f", catatan: {d['note']}" if d.get("note") else "")
    + (" · pendukung dikabari" if d.get("told") else ""),
    "opd_answer": lambda d, t: f"menjawab {t} sebagai {word(d.get('opd'))}"
    + (" (langsung ke warga)" if d.get("direct") else " (menunggu persetujuan)"),
    "opd_answer_review": lambda d, t: f"memeriksa jawaban {word(d.get('opd'))} untuk {t}: "
                                      f"{word(d.get('state'))}"
                                      + (f" ({d['note']})" if d.get("note") else ""),
    "opd_direct": lambda d, t: f"mengatur jawaban {t}: "
                               + ("langsung ke warga" if d.get("direct") else "lewat persetujuan"),
}


ACTION_NAMES = {
    "login": "Masuk", "logout": "Keluar", "login_failed": "Gagal masuk",
    "view_number": "Melihat nomor lengkap", "correct": "Koreksi", "status": "Ubah status",
    "status_undo": "Batal ubah status", "note": "Catatan internal", "reply": "Balasan ke warga",
    "assign": "Penugasan", "proposal": "Usulan Musrenbang", "export": "Unduh data",
    "staff_create": "Akun baru", "staff_update": "Ubah akun", "staff_active": "Aktif/nonaktif akun",
    "contact_update": "Ubah kontak", "contacts_import": "Impor kontak", "role": "Peran kontak",
    "broadcast": "Siaran", "broadcast_cancel": "Batal siaran", "security": "Perintah tanpa hak",
    "canned": "Templat balasan", "usulan_confirm": "Konfirmasi usulan",
    "usulan_split": "Pisah usulan", "usulan_split_from": "Usulan dari pemisahan",
    "usulan_merge": "Gabung usulan", "usulan_merge_from": "Usulan digabungkan",
    "usulan_fields": "Data usulan", "usulan_status": "Status usulan",
    "opd_answer": "Jawaban OPD", "opd_answer_review": "Periksa jawaban OPD",
    "opd_direct": "Pengaturan OPD",
}


def actor_name(actor: str, names: dict[str, str]) -> str:
    """A texter's address becomes their contact name when known, else a masked number."""
    if actor.startswith("sms:"):
        address = actor[4:]
        return names.get(address) or f"warga {mask_number(address)}"
    return {"cli": "admin server (baris perintah)", "anonim": "seseorang"}.get(actor, actor)


def sentence(row: dict, names: dict[str, str]) -> str:
    """One audit row as a sentence in Bahasa Indonesia."""
    detail = row.get("detail") if isinstance(row.get("detail"), dict) else {}
    target = row.get("target") or ""
    if row["action"] == "contact_update" and target in names:
        target = f"{names[target]} ({mask_number(target)})"
    say = SENTENCES.get(row["action"])
    what = say(detail, target) if say else f"{row['action']} {target} {word(detail)}".strip()
    return f"{actor_name(row['actor'], names)} {what}"
