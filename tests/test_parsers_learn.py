"""The learning step (parsers.learn), the stemmer and the evaluation protocol (parsers.protocol)."""

import pytest
from click.testing import CliRunner

from gateway.commands.parse import parse_command
from parsers import REVIEW_THRESHOLD, protocol
from parsers.engine import load
from parsers.learn import build, fit, load_docs, render, review_threshold, sipd_label, split_of
from parsers.resources import DATA_DIR, ROOT, read_keywords, read_table
from parsers.stem import Stemmer


@pytest.fixture(scope="module")
def docs():
    return load_docs()


def test_shipped_weights_regenerate_byte_for_byte():
    assert build() == (DATA_DIR / "keywords.tsv").read_text(encoding="utf-8")


def test_test_rows_are_left_out_of_the_shipped_weights(docs):
    assert any(d.split == "test" for d in docs)
    with_test = render(*fit(docs))
    assert with_test != (DATA_DIR / "keywords.tsv").read_text(encoding="utf-8")


def test_split_is_fixed_by_the_text_and_roughly_70_15_15(docs):
    assert split_of("sms", "jalan rusak") == split_of("sms", "jalan rusak")
    for source in {d.source for d in docs}:
        mine = [d.split for d in docs if d.source == source]
        assert 0.5 <= mine.count("train") / len(mine) <= 0.85, source
        assert mine.count("test") >= 1, source


def test_every_source_is_listed_with_a_licence_and_exists():
    for row in read_table("learn_sources.tsv"):
        assert row["licence"] and row["kind"] in ("messages", "names")
        assert (ROOT / row["path"]).is_file()
        assert not row["path"].startswith("/")


def test_review_threshold_is_the_learned_one():
    _, params = read_keywords()
    assert params["review_threshold"] == REVIEW_THRESHOLD


@pytest.mark.parametrize("judged, floor, threshold", [
    ([(True, 0.9), (True, 0.8), (False, 0.4)], 0.0, 0.45),
    ([(False, 0.99)], 0.0, 0.95),
    ([(True, 0.31)], 0.0, 0.3),
    ([(True, 0.9), (True, 0.8), (False, 0.4)], 0.5, 0.55),  # never at or below the floor
])
def test_review_threshold_is_the_lowest_that_reaches_the_precision(judged, floor, threshold):
    assert review_threshold(judged, floor) == threshold


@pytest.mark.parametrize("name, kelas, label", [
    ("Pembangunan Ruang Kelas Baru", "lainnya", "infrastruktur"),
    ("Rehabilitasi Sedang/Berat Puskesmas", "lainnya", "infrastruktur"),
    ("Pemeliharaan Mebel Sekolah", "lainnya", "lainnya"),
    ("Pembangunan dan Pengembangan Aplikasi Pelayanan", "lainnya", "lainnya"),
    ("Pengelolaan Daya Tarik Wisata Kabupaten/Kota", "pariwisata", "pariwisata"),
])
def test_sipd_physical_works_are_infrastructure(name, kelas, label):
    assert sipd_label(name, kelas) == label


@pytest.mark.parametrize("word, stem", [
    ("perbaikan", "perbaik"), ("diperbaiki", "perbaik"), ("memperbaiki", "perbaik"),
    ("pengunjung", "kunjung"), ("berkunjung", "kunjung"), ("kunjungan", "kunjung"),
    ("penerangan", "terang"), ("kerusakan", "rusak"), ("penyeberangan", "seberang"),
    ("pantainya", "pantai"), ("sunsetnya", "sunset"), ("jalan", "jalan"),
    ("tangguh", "tangguh"), ("berjalan", "berjalan"), ("bekerja", "kerja"), ("ab", "ab"),
])
def test_stemmer(word, stem):
    assert load().stemmer(word) == stem


def test_stemmer_keeps_unknown_words_and_memoizes():
    stemmer = Stemmer({"jalan"})
    assert stemmer("jalanan") == "jalan" and stemmer("xyzabcnya") == "xyzabc"
    assert stemmer.memo["jalanan"] == "jalan"


def test_place_noun_after_a_locative_becomes_a_role_token():
    content = load().featurizer.content
    assert "@gang" in content("anjing liar di gang") and "gang" not in content("di gang")
    assert "gang" in content("gang kami becek")
    assert "air" not in content("air laut naik")  # a blocked phrase counts for nothing


@pytest.fixture(scope="module")
def results(docs):
    return protocol.run(docs)


def test_protocol_reports_every_figure(results):
    names = set(results)
    assert {"train", "dev", "test", "5-fold", "leave-one-source-out"} <= names
    sources = {row["name"] for row in read_table("learn_sources.tsv")}
    assert {f"without {s}" for s in sources} <= names
    test_docs = results["test"][0]
    assert test_docs and all(d.split == "test" and d.kind == "messages" for d in test_docs)


def test_leave_one_source_out_stays_above_its_floor(results):
    """Floor under the current figure (README "Ketepatan"): a drop means worse generalisation."""
    from parsers.evaluate import metrics

    docs, predicted, _ = results["leave-one-source-out"]
    assert metrics([d.label for d in docs], [p for p, _ in predicted])["macro_f1"] >= 0.78


def test_kelurahan_precision_and_no_invented_places():
    check = protocol.kelurahan_check()
    assert check["precision"] >= 0.95 and check["invented"] == 0 and check["found"] > 100


def test_eval_without_a_file_prints_the_protocol():
    result = CliRunner().invoke(parse_command, ["--eval"])
    assert result.exit_code == 0, result.output
    for name in ("dev", "test", "5-fold", "leave-one-source-out", "kelurahan:"):
        assert name in result.output
