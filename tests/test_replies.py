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
def test_reply_fits_one_gsm7_segment(key):
    values = {name: WORST.get(name, "W" * 20) for _, name, _, _ in
              string.Formatter().parse(replies.TEXTS[key]) if name}
    text = replies.render(key, **values)
    assert replies.gsm7_length(text) is not None, text
    assert replies.gsm7_length(text) <= 160, (len(text), text)
    assert replies.fits_one_segment(text)


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
