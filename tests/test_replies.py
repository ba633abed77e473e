"""Every reply fits one GSM-7 segment, whatever goes into it."""

from __future__ import annotations

import string

import pytest

from gateway.inbox import texts as staff_texts
from handlers import broadcast_commands, replies, rsvp

WORST = {
    "ticket": "WWWWW", "category": "Infrastruktur", "place": ", Kel. Manembo-nembo Tengah",
    "date": "30 Nov", "name": "Yohanis Christian Sumampouw Wenas", "kelurahan":
    "Manembo-nembo Tengah", "given": "x" * 30, "suggestions": "Girian Bawah atau Girian Atas",
    "example": "Yohanis Christi Girian Bawah", "received": "diterima dengan 2 foto dan lokasi",
    "what": "Foto, pesan suara dan lokasi", "common": "Girian",
    "choices": "1 Atas 2 Bawah 3 Indah 4 Permai 5 Weru Satu 6 Weru Dua",
    "state": "diteruskan ke Dinas Perumahan dan Kawasan Permukiman",
    "next": "Kami kabari lewat SMS bila ada hasilnya.",
    "tickets": "WWWWW menunggu, WWWWW diteruskan, WWWWW diperiksa (+2 lagi)", "first": "WWWWW",
    "code": "U-12345", "count": "1234", "title": "lampu jalan mati dkt gereja",
    "opd": "Dinas Perumahan dan Kawasan Permukiman",
}


# Six factored choices leave no room to name a burst's parts: handlers.tickets.choices_reply
# then says plain "diterima" (the parts are still on the ticket).
OVERRIDES = {"ack_choices_short": {"received": "diterima"}}


@pytest.mark.parametrize("key", sorted(replies.TEXTS))
def test_every_reply_fits_one_segment_uncut_with_the_longest_real_values(key):
    """render() always returns one segment; this checks that nothing had to be cut off."""
    values = {name: OVERRIDES.get(key, WORST).get(name, WORST.get(name, "W" * 20)) for _, name, _, _ in
              string.Formatter().parse(replies.TEXTS[key]) if name}
    whole = replies.to_gsm7(replies.TEXTS[key].format(**values))
    assert replies.render(key, **values) == whole, f"{key} is cut: {len(whole)} characters"
    assert replies.fits_one_segment(whole)


def test_fit_sms_segment_shortens_the_named_value_and_keeps_the_instruction():
    template = "Tiket {ticket}: alasan {reason}. Balas CEK {ticket}"
    text = replies.fit_sms_segment(template, shorten="reason", ticket="A7K2Q",
                                   reason="sangat panjang " * 30)
    assert text.startswith("Tiket A7K2Q: alasan sangat panjang")
    assert text.endswith("... Balas CEK A7K2Q") and replies.gsm7_length(text) <= 160


def test_fit_sms_segment_without_a_value_to_shorten_cuts_the_end():
    text = replies.fit_sms_segment("{a} akhir", a="x" * 200)
    assert text == "x" * 160


def test_fit_sms_segment_replaces_what_gsm7_cannot_carry():
    assert replies.fit_sms_segment("“{a}” – ok 🙏", a="Jalán") == '"Jalan" - ok '


@pytest.mark.parametrize("text, septets", [
    ("halo", 4), ("€", 2), ("[x]", 5), ("ñ", 1), ("🙏", None), ("ç", None),
    ("", 0), ("{}\n\f", 7), ("a€a€", 6), ("ok 🙏 [x]", None),
])
def test_gsm7_length(text, septets):
    assert replies.gsm7_length(text) == septets


@pytest.mark.parametrize("text, count", [
    ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("🙏" * 35, 1),
    ("é" * 70, 1), ("ç" * 71, 2),
])
def test_segments(text, count):
    assert replies.segments(text) == count


def test_to_gsm7_drops_emoji_and_fixes_quotes():
    assert replies.to_gsm7("“Jalan” rusak — tolong 🙏") == '"Jalan" rusak - tolong '


ALL_TEXTS = [(name, key, table[key]) for name, table in (
    ("replies", replies.TEXTS), ("broadcast", broadcast_commands.TEXTS), ("rsvp", rsvp.TEXTS),
    ("status", staff_texts.STATUS_TEXTS)) for key in sorted(table)]


@pytest.mark.parametrize("table, key, template", ALL_TEXTS)
def test_no_reply_shows_a_placeholder_or_an_empty_suggestion(table, key, template):
    """Citizens read "CEK A7K2Q", never "CEK <kode>" nor "Maksud Anda: -?"."""
    assert "<" not in template and ">" not in template, f"{table}.{key}"
    assert "-?" not in template and "ack_no_place" != key


@pytest.mark.parametrize("stamp, expected", [
    ("2026-11-30T03:00:00.000000Z", "30 Nov"), ("2026-11-30T16:30:00.000000Z", "1 Des"),
    ("2027-01-05T00:00:00.000000Z", "5 Jan"), ("2026-08-17T10:00:00.000000Z", "17 Agu"),
])
def test_short_date_is_the_day_in_bitung(stamp, expected):
    assert replies.short_date(stamp) == expected


@pytest.mark.parametrize("counts, expected", [
    ({"foto": 1}, "foto"), ({"pesan suara": 1}, "pesan suara"), ({"foto": 2, "lokasi": 1},
                                                                 "2 foto dan lokasi"),
    ({"foto": 1, "pesan suara": 1, "lokasi": 1}, "foto, pesan suara dan lokasi"), ({}, ""),
])
def test_describe_names_what_arrived(counts, expected):
    assert replies.describe(counts) == expected


@pytest.mark.parametrize("content_type, word", [
    ("image/jpeg", "foto"), ("audio/ogg", "pesan suara"), ("audio/amr", "pesan suara"),
    ("video/mp4", "video"), ("application/pdf", "dokumen"), ("", "lampiran"), (None, "lampiran"),
])
def test_media_word_tells_a_voice_note_from_a_photo(content_type, word):
    assert replies.media_word(content_type) == word
