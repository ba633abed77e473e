"""What citizens read: every reply in one table, in Bahasa Indonesia, one GSM-7 segment each."""

from __future__ import annotations

import unicodedata

from data import clock

# GSM 03.38 basic set; the extension set costs two septets each.
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")
SEGMENT = 160
_GSM7 = frozenset(GSM7_BASIC | GSM7_EXTENDED)
_EXTENDED_ONLY = tuple(GSM7_EXTENDED - GSM7_BASIC)  # two septets each

CATEGORY_LABELS = {
    "infrastruktur": "Infrastruktur",
    "ekonomi": "Ekonomi",
    "pariwisata": "Pariwisata",
    "lainnya": "Lainnya",
}

TEXTS = {
    # A new ticket. {received}: "diterima", or "diterima dengan foto dan lokasi" for a burst.
    "ack": "Aspirasi {received}: tiket {ticket}, {category}{place}. Petugas akan memeriksa "
           "dan mengabari. Cek: balas CEK {ticket}",
    "ack_ask_place": "Aspirasi {received}: tiket {ticket}, {category}. Di kelurahan mana? "
                     "Balas nama kelurahannya, mis. Girian Bawah.",
    "ack_choices": "Aspirasi {received}: tiket {ticket}, {category}. Kelurahan mana? "
                   "{choices}. Balas angkanya.",
    "ack_choices_short": "Aspirasi {received}: tiket {ticket}, {category}. Kel. {common} "
                         "yang mana? {choices}. Balas angkanya.",
    # A need like one already proposed in the kelurahan joins that usulan (handlers.grouping).
    "ack_joined": "Usulan serupa sudah ada ({code}), dukungan Anda dicatat: {count} warga. "
                  "Tiket Anda {ticket}, Kel. {kelurahan}. Cek: balas CEK {ticket}",
    "ack_joined_again": "Usulan serupa sudah ada ({code}), Anda sudah tercatat mendukungnya: "
                        "{count} warga. Tiket {ticket}, Kel. {kelurahan}. Cek: balas CEK {ticket}",
    # A photo, voice note or location with no text yet: {what} names what arrived.
    "ack_media": "{what} diterima: tiket {ticket}. Kirim keterangan singkat dan nama "
                 "kelurahannya agar petugas bisa menindaklanjuti.",
    "ack_media_place": "{what} diterima: tiket {ticket}, Kel. {kelurahan}. Kirim keterangan "
                       "singkat agar petugas bisa menindaklanjuti.",
    # Answers to what we asked.
    "answer_place": "Terima kasih. Tiket {ticket} dicatat di Kel. {kelurahan}. Petugas akan "
                    "memeriksa dan mengabari Anda. Cek: balas CEK {ticket}",
    "answer_place_joined": "Terima kasih. Tiket {ticket} dicatat di Kel. {kelurahan}. Usulan "
                           "serupa sudah ada ({code}), dukungan Anda dicatat: {count} warga.",
    "answer_choices": "Kelurahan mana untuk tiket {ticket}? {choices}. Balas angkanya.",
    "answer_choices_short": "Kel. {common} yang mana untuk tiket {ticket}? {choices}. "
                            "Balas angkanya.",
    "answer_suggest": "Maksud Anda Kel. {kelurahan} untuk tiket {ticket}? Balas 1 bila benar, "
                      "atau tulis nama kelurahannya.",
    "answer_description": "Keterangan masuk ke tiket {ticket}: {category}{place}. Petugas akan "
                          "memeriksa dan mengabari Anda. Cek: balas CEK {ticket}",
    "answer_description_ask_place": "Keterangan masuk ke tiket {ticket}: {category}. Di "
                                    "kelurahan mana? Balas nama kelurahannya, mis. Girian Bawah.",
    # A ticket's status, for CEK and for a follow-up; {state} and {next} from STATES.
    "check": "Tiket {ticket} ({category}): {state} sejak {date}. {next}",
    "followup": "Pesan Anda diteruskan ke petugas. Tiket {ticket}: {state} sejak {date}. "
                "{next}",
    "check_usulan": "Tiket {ticket}: {state} sejak {date}, usulan {code} didukung {count} "
                    "warga. {next}",
    # An usulan's code: CEK U-0123 and DUKUNG U-0123 (handlers.support); {state}: USULAN_STATES.
    "usulan_check": "Usulan {code} ({title}): {state}. Didukung {count} warga. Dukung juga: "
                    "balas DUKUNG {code}",
    "support_added": "Terima kasih, dukungan Anda untuk usulan {code} ({title}) dicatat. "
                     "Usulan ini kini didukung {count} warga.",
    "support_again": "Dukungan Anda untuk usulan {code} ({title}) sudah tercatat sebelumnya. "
                     "Usulan ini didukung {count} warga.",
    "support_closed": "Usulan {code} ({title}) {state}, dukungan baru tidak dicatat. "
                      "Usulan ini didukung {count} warga.",
    "support_unknown": "Kode {given} tidak ditemukan. Periksa kodenya di SMS yang Anda terima, "
                       "mis. DUKUNG U-0123 atau DUKUNG dan kode tiket.",
    "support_usage": "Untuk mendukung usulan warga, kirim DUKUNG lalu kodenya, mis. "
                     "DUKUNG U-0123. Cek usulan: CEK U-0123",
    "support_waiting": "Tiket {ticket} belum menjadi usulan Musrenbang, jadi belum bisa "
                       "didukung. Balas CEK {ticket} untuk statusnya.",
    # What supporters hear (handlers.outcomes): once per usulan and outcome, by broadcast.
    "outcome_kecamatan": "Kabar usulan {code} ({title}): diterima forum Kel. {kelurahan} dan "
                         "masuk daftar Musrenbang kecamatan. Terima kasih!",
    "outcome_selesai": "Kabar usulan {code} ({title}): dinyatakan selesai oleh {opd}. Terima "
                       "kasih atas dukungan Anda.",
    # An OPD's answer (handlers.opd_answers), after the planning office approved it.
    "opd_answer_ticket": "Jawaban {opd} untuk tiket {ticket}: {answer}",
    "opd_answer_usulan": "Jawaban {opd} untuk usulan {code}: {answer}",
    "check_unknown": "Tiket {ticket} tidak ditemukan. Periksa kodenya (5 huruf/angka di SMS "
                     "tanda terima), mis. CEK A7K2Q. Balas CEK saja untuk daftar tiket Anda.",
    "check_usulan_unknown": "Usulan {code} tidak ditemukan. Periksa kodenya di SMS yang Anda "
                            "terima, mis. CEK U-0123. Balas CEK saja untuk daftar tiket Anda.",
    "check_list": "Tiket Anda yang masih diproses: {tickets}. Rincian: balas CEK dan kodenya, "
                  "mis. CEK {first}",
    "check_supported": "Anda tidak punya tiket yang masih diproses. Usulan yang Anda dukung: "
                       "{proposals}. Rincian: balas CEK {first}",
    "check_none": "Anda tidak punya tiket yang masih diproses. Kirim usulan kapan saja, mis: "
                  "jln rusak dkt pasar Girian.",
    "question": "Pertanyaan Anda diterima dan akan dijawab petugas lewat pesan ini. Untuk "
                "usulan, tulis saja masalahnya dan kelurahannya.",
    "closing": "Sama-sama. Kabar tiket Anda kami kirim lewat SMS. Balas CEK kapan saja untuk "
               "melihat statusnya.",
    "closing_no_ticket": "Sama-sama. Kirim usulan pembangunan kapan saja, mis: jln rusak dkt "
                         "pasar Girian.",
    "help": "Kirim usulan langsung, mis: jln rusak dkt pasar Girian. Cek tiket: CEK A7K2Q. "
            "Daftar: DAFTAR Yohanis Girian Bawah. Stop info rapat: BERHENTI",
    "empty": "Pesan kosong. Tulis usulan Anda, mis: jln rusak dkt pasar Girian. "
             "Balas BANTUAN untuk panduan.",
    "greeting": "Halo! Silakan kirim usulan pembangunan Anda, mis: jln rusak dkt pasar Girian. "
                "Balas BANTUAN untuk panduan.",
    "registered": "Terima kasih {name}, Anda terdaftar sebagai warga Kel. {kelurahan}. "
                  "Kirim usulan kapan saja. BERHENTI: stop info rapat.",
    "register_unknown": "Kelurahan \"{given}\" tidak dikenali. Maksud Anda {suggestions}? "
                        "Kirim lagi, mis. DAFTAR {example}",
    "register_unknown_plain": "Kelurahan \"{given}\" tidak dikenali. Kirim lagi dengan nama "
                              "kelurahan resmi, mis. DAFTAR Yohanis Girian Bawah",
    "register_usage": "Untuk mendaftar, kirim DAFTAR lalu nama dan kelurahan, mis. "
                      "DAFTAR Yohanis Madidir Ure",
    "opted_out": "Anda berhenti menerima info rapat/undangan. Usulan tetap bisa dikirim. "
                 "Balas MULAI untuk berlangganan lagi.",
    "opted_in": "Anda kembali menerima info rapat/undangan dari kelurahan. "
                "Balas BERHENTI untuk berhenti.",
}
# The value cut (ending "...") when a reply is too long: the ticket and the instruction stay.
SHORTEN = {"ack": "received", "ack_ask_place": "received", "ack_choices": "received",
           "ack_choices_short": "received", "ack_media": "what", "ack_media_place": "what",
           "check": "state", "followup": "state", "check_list": "tickets",
           "check_supported": "proposals",
           "check_usulan": "state", "ack_joined": "kelurahan", "ack_joined_again": "kelurahan",
           "answer_place_joined": "kelurahan", "usulan_check": "title",
           "support_added": "title", "support_again": "title", "support_closed": "title",
           "support_unknown": "given",
           "register_unknown": "given", "register_unknown_plain": "given",
           "outcome_kecamatan": "title", "outcome_selesai": "title",
           "check_unknown": "ticket"}

# What a status means for the citizen, and what happens next ({opd}, {reason} filled in).
STATES = {
    "baru": ("menunggu diperiksa petugas", "Kabar berikutnya kami kirim lewat SMS."),
    "diverifikasi": ("sudah diperiksa petugas", "Kami kabari lewat SMS bila diteruskan ke dinas."),
    "diteruskan": ("diteruskan ke {opd}", "Kami kabari lewat SMS bila ada hasilnya."),
    "selesai": ("dinyatakan selesai", "Terima kasih atas partisipasi Anda."),
    "ditolak": ("belum dapat diproses", "Alasan: {reason}"),
}
# What an usulan's status means for its supporters (CEK U-0123, DUKUNG on a closed one).
USULAN_STATES = {
    "terbuka": "dikumpulkan untuk Musrenbang Kel. {kelurahan}",
    "kecamatan": "masuk daftar usulan Musrenbang kecamatan",
    "diteruskan": "diteruskan ke {opd}",
    "selesai": "sudah selesai",
    "ditolak": "tidak dilanjutkan",
}
# One word or two per status, for the list of open tickets ("H73XV menunggu").
STATE_WORDS = {"baru": "menunggu", "diverifikasi": "diperiksa", "diteruskan": "diteruskan",
               "selesai": "selesai", "ditolak": "ditolak"}
# What a media item is, by the start of its content type: a voice note is not a photo.
MEDIA_WORDS = (("image/", "foto"), ("audio/", "pesan suara"), ("video/", "video"),
               ("application/pdf", "dokumen"))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def gsm7_length(text: str) -> int | None:
    """Septets needed, or None when a character is outside GSM-7 (the SMS would go UCS-2)."""
    if _GSM7.issuperset(text):  # the usual case, counted without a Python loop per character
        return len(text) + sum(map(text.count, _EXTENDED_ONLY))
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
    if _GSM7.issuperset(text):  # nothing to replace (most texts): no loop per character
        return text
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
    """A reply from the table, fitted to one GSM-7 segment (SHORTEN names what may be cut)."""
    return fit_sms_segment(TEXTS[key], shorten=SHORTEN.get(key), **values)


def fits_whole(key: str, **values) -> bool:
    """Would this reply fit one segment without cutting anything?"""
    return fits_one_segment(to_gsm7(TEXTS[key].format(**{
        k: to_gsm7(v) if isinstance(v, str) else v for k, v in values.items()})))


def short_date(stamp: str) -> str:
    """A stored stamp as citizens read dates: "30 Nov" (Bitung's day, WITA)."""
    local = clock.to_wita(stamp)
    return f"{local.day} {MONTHS[local.month - 1]}"


def media_word(content_type: str | None) -> str:
    """"foto", "pesan suara", "video", "dokumen" or "lampiran" for a media content type."""
    kind = (content_type or "").lower()
    return next((word for prefix, word in MEDIA_WORDS if kind.startswith(prefix)), "lampiran")


def describe(counts: dict[str, int]) -> str:
    """{"foto": 2, "lokasi": 1} → "2 foto dan lokasi" (what arrived, in arrival order)."""
    items = [word if n == 1 else f"{n} {word}" for word, n in counts.items() if n]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " dan " + items[-1]


def status_reply(key: str, row: dict, since: str, usulan: tuple[str, int] | None = None) -> str:
    """CEK or follow-up answer: the ticket's status in plain words, since when, what is next;
    with `usulan` (code, supporters), for CEK, how many citizens support it."""
    state, following = STATES.get(row["status"], STATES["baru"])
    reason = " ".join((row.get("reject_reason") or "-").split())
    extra = {}
    if usulan is not None and key == "check":
        key, extra = "check_usulan", {"code": usulan[0], "count": usulan[1]}
    return fit_sms_segment(
        TEXTS[key], shorten="next" if row["status"] == "ditolak" else "state",
        ticket=row["ticket"], category=category_label(row["category"]),
        state=state.format(opd=row.get("opd") or "dinas terkait"), date=short_date(since),
        next=following.format(reason=reason), **extra)


def usulan_state(row: dict) -> str:
    """An usulan's status in the words its supporters read."""
    return USULAN_STATES.get(row["status"], USULAN_STATES["terbuka"]).format(
        kelurahan=row["kelurahan"], opd=row.get("opd") or "dinas terkait")


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, "Lainnya")
