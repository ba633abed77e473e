"""Every reply fits one GSM-7 segment, whatever goes into it."""

from __future__ import annotations

import string

import pytest

from handlers import replies

WORST = {
    "ticket": "WWWWW", "category": "Infrastruktur", "place": ", Kel. Batuputih Bawah",
    "status": "diverifikasi", "detail": " ke Dinas Pekerjaan Umum dan Penataan Ruang",
    "date": "2026-11-28", "name": "Yohanis Christian Sumampouw Wenas", "kelurahan":
    "Manembo-nembo Tengah", "given": "x" * 30, "suggestions": "Girian Bawah / Girian Atas",
}


@pytest.mark.parametrize("key", sorted(replies.TEXTS))
def test_every_reply_fits_one_segment_uncut_with_the_longest_real_values(key):
    """render() always returns one segment; this checks that nothing had to be cut off."""
    values = {name: WORST.get(name, "W" * 20) for _, name, _, _ in
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
