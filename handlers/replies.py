"""What citizens read: every reply in one table, in Bahasa Indonesia, one GSM-7 segment each."""

from __future__ import annotations

import unicodedata

# GSM 03.38 basic set; the extension set costs two septets each.
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")
SEGMENT = 160

CATEGORY_LABELS = {
    "infrastruktur": "Infrastruktur",
    "ekonomi": "Ekonomi",
    "pariwisata": "Pariwisata",
    "lainnya": "Lainnya",
}

TEXTS = {
    "ack": "Aspirasi diterima. Tiket {ticket}, kategori {category}{place}. "
           "Cek status: balas CEK {ticket}. Terima kasih.",
    "ack_no_place": "Aspirasi diterima. Tiket {ticket}, kategori {category}. Sebutkan "
                    "kelurahan Anda agar tepat sasaran. Cek: balas CEK {ticket}",
    "check": "Tiket {ticket} ({category}): status {status}{detail}. Diterima {date}.",
    "check_unknown": "Tiket {ticket} tidak ditemukan. Periksa kodenya, lalu balas CEK <kode>, "
                     "mis. CEK A7K2Q.",
    "check_missing": "Balas CEK <kode tiket>, mis. CEK A7K2Q.",
    "help": "Kirim usulan Anda langsung, mis: jln rusak dkt pasar Girian. "
            "CEK <kode>: cek tiket. DAFTAR <nama> <kelurahan>. BERHENTI: stop info.",
    "empty": "Pesan kosong. Tulis usulan Anda, mis: jln rusak dkt pasar Girian. "
             "Balas BANTUAN untuk panduan.",
    "greeting": "Halo! Silakan kirim usulan pembangunan Anda, mis: jln rusak dkt pasar Girian. "
                "Balas BANTUAN untuk panduan.",
    "media_only": "Foto/lokasi diterima. Tiket {ticket}. Tambahkan keterangan singkat "
                  "dan kelurahan. Cek: balas CEK {ticket}",
    "registered": "Terima kasih {name}, Anda terdaftar sebagai warga Kel. {kelurahan}. "
                  "Kirim usulan kapan saja. BERHENTI: stop info rapat.",
    "register_unknown": "Kelurahan \"{given}\" tidak dikenali. Maksud Anda: {suggestions}? "
                        "Balas DAFTAR <nama> <kelurahan>",
    "register_usage": "Format: DAFTAR <nama> <kelurahan>, mis. DAFTAR Yohanis Madidir Ure",
    "opted_out": "Anda berhenti menerima info rapat/undangan. Usulan tetap bisa dikirim. "
                 "Balas MULAI untuk berlangganan lagi.",
    "opted_in": "Anda kembali menerima info rapat/undangan dari kelurahan. "
                "Balas BERHENTI untuk berhenti.",
}


def gsm7_length(text: str) -> int | None:
    """Septets needed, or None when a character is outside GSM-7 (the SMS would go UCS-2)."""
    total = 0
    for char in text:
        if char in GSM7_BASIC:
            total += 1
        elif char in GSM7_EXTENDED:
            total += 2
        else:
            return None
    return total


def fits_one_segment(text: str) -> bool:
    length = gsm7_length(text)
    return length is not None and length <= SEGMENT


def to_gsm7(text: str) -> str:
    """Replace what GSM-7 cannot carry (curly quotes, dashes, emoji) so the SMS stays cheap."""
    table = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...",
             "\u00a0": " "}
    out = []
    for char in text:
        char = table.get(char, char)
        if char in GSM7_BASIC or char in GSM7_EXTENDED:
            out.append(char)
        elif char.isspace():
            out.append(" ")
        else:  # á → a: keep the letter without its accent rather than drop it
            base = unicodedata.normalize("NFKD", char)[:1]
            if base in GSM7_BASIC and base.isalnum():
                out.append(base)
    return "".join(out)


def segments(text: str) -> int:
    """SMS segments for a text (153 septets per part when concatenated; UCS-2: 70/67)."""
    length = gsm7_length(text)
    if length is None:
        units = len(text.encode("utf-16-le")) // 2
        return 1 if units <= 70 else -(-units // 67)
    return 1 if length <= SEGMENT else -(-length // 153)


def fit_sms_segment(template: str, shorten: str | None = None, **values) -> str:
    """template.format(**values) in GSM-7 and one segment: the one place texts are fitted.

    When the text is too long, the value named `shorten` is cut (ending in "...") so the
    words around it (the ticket, the instruction) survive; without `shorten`, the end is cut.
    """
    values = {k: to_gsm7(str(v)) if isinstance(v, str) else v for k, v in values.items()}
    text = to_gsm7(template.format(**values))
    if shorten is not None:
        value = " ".join(values[shorten].split())
        while gsm7_length(text) > SEGMENT and value:
            value = value[:-4].rstrip() + "..." if len(value) > 4 else ""
            text = to_gsm7(template.format(**{**values, shorten: value}))
    while gsm7_length(text) > SEGMENT:
        text = text[:-1]
    return text


def render(key: str, **values) -> str:
    """A reply from the table, fitted to one GSM-7 segment."""
    return fit_sms_segment(TEXTS[key], **values)


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, "Lainnya")
