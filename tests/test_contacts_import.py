"""`aspirasi contacts import`: every row validated, all-or-nothing unless --skip-invalid,
opt-outs never cleared, imports audited; `set-role` binds a kepala to one kelurahan."""

from __future__ import annotations

import json

import pytest

from data import audit, contacts
from data.db import transaction
from gateway.commands.contacts import ImportRefused, parse_csv
from tests.conftest import run_cli

GOOD = ("nomor,nama,kelurahan,peran\n"
        "081234567890,Yohanis Lengkong,Girian Bawah,kepala\n"
        "+62 812-3456-7891,Maria,madidir ure,warga\n"
        "6281234567892,,,\n")


def write(tmp_path, text: str, name: str = "kontak.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def count(db) -> int:
    return db.execute("SELECT count(*) FROM contacts").fetchone()[0]


def test_import_creates_contacts_with_roles_and_audits(db, env, tmp_path):
    result = run_cli("contacts", "import", write(tmp_path, GOOD), env=env)
    assert result.returncode == 0, result.stderr
    assert "diimpor 3 kontak: 3 baru, 0 diperbarui" in result.stdout
    kepala = contacts.by_address(db, "+6281234567890")
    assert (kepala["role"], kepala["kelurahan"], kepala["kecamatan"]) == (
        "kepala", "Girian Bawah", "Girian")
    assert contacts.by_address(db, "+6281234567891")["kelurahan"] == "Madidir Ure"
    assert contacts.by_address(db, "+6281234567892")["role"] == "warga"
    [event] = audit.recent(db, action="contacts_import")
    assert event["target"] == "kontak.csv" and json.loads(event["detail"])["created"] == 3


BAD = ("nomor;nama;kelurahan;peran\n"
       "081234567890;Yohanis;Girian Bawah;kepala\n"
       "abc;Budi;Girian Bawah;warga\n"
       "081234567891;Ani;Kelurahan Antah;warga\n"
       "081234567892;Tono;;kepala\n"
       "081234567893;Sari;Girian Bawah;camat\n"
       "0812-3456-7890;Yohanis lagi;Girian Bawah;warga\n"
       "081234567894;" + "x" * 81 + ";Girian Bawah;warga\n"
       "081234567895;Rina;Madidir Ure;staf\n")


def test_a_bad_row_imports_nothing_and_names_each_line(db, env, tmp_path):
    result = run_cli("contacts", "import", write(tmp_path, BAD), env=env)
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert lines[0].startswith("baris 3: nomor tidak valid")
    assert lines[1].startswith("baris 4: kelurahan 'Kelurahan Antah' tidak dikenal")
    assert lines[2] == "baris 5: kepala harus terikat pada satu kelurahan"
    assert lines[3].startswith("baris 6: peran 'camat' tidak dikenal")
    assert lines[4] == "baris 7: nomor +6281234567890 ganda (sudah di baris 2)"
    assert lines[5] == "baris 8: nama lebih dari 80 karakter"
    assert "6 baris salah; tidak ada yang diimpor" in result.stderr
    assert count(db) == 0
    assert audit.recent(db, action="contacts_import") == []


def test_skip_invalid_imports_the_good_rows(db, env, tmp_path):
    result = run_cli("contacts", "import", "--skip-invalid", write(tmp_path, BAD), env=env)
    assert result.returncode == 0, result.stderr
    assert "diimpor 2 kontak: 2 baru, 0 diperbarui, 6 baris dilewati" in result.stdout
    assert len([x for x in result.stderr.splitlines() if x.startswith("baris ")]) == 6
    assert {c["address"] for c in contacts.listing(db)} == {"+6281234567890", "+6281234567895"}


def test_import_never_clears_an_opt_out_and_says_so(db, env, tmp_path):
    with transaction(db):
        contacts.opt_out_address(db, "+6281234567891", "sms")
    result = run_cli("contacts", "import", write(tmp_path, GOOD), env=env)
    assert result.returncode == 0, result.stderr
    assert "1 kontak tetap berhenti" in result.stdout and "+6281234567891" in result.stdout
    row = contacts.by_address(db, "+6281234567891")
    assert row["opted_out"] == 1 and row["name"] == "Maria"


def test_blank_fields_keep_what_the_contact_has(db, env, tmp_path):
    run_cli("contacts", "import", write(tmp_path, GOOD), env=env)
    again = "nomor,nama,kelurahan,peran\n081234567890,,,\n"
    result = run_cli("contacts", "import", write(tmp_path, again, "b.csv"), env=env)
    assert "0 baru, 1 diperbarui" in result.stdout
    kepala = contacts.by_address(db, "+6281234567890")
    assert (kepala["name"], kepala["role"], kepala["kelurahan"]) == (
        "Yohanis Lengkong", "kepala", "Girian Bawah")


@pytest.mark.parametrize("data, reason", [
    (b"x" * (5 * 1024 * 1024 + 1), "lebih dari 5 MB"),
    ("nomor,nama\n081234567890,Andr\xe9\n".encode("latin-1"), "bukan UTF-8"),
    (b"telepon,nama\n081234567890,Budi\n", "kolom wajib"),
    (("nomor\n" + "".join(f"0812{n:08d}\n" for n in range(50_001))).encode(), "50000 baris"),
    (b"nomor;nama\n081234567890;" + b"a" * 200_000 + b"\n", "baris 2: .*128 KB"),
    (b"nomor;" + b"a" * 200_000 + b"\n081234567890;Budi\n", "baris 1: .*128 KB"),
])
def test_refused_files(data, reason):
    with pytest.raises(ImportRefused, match=reason):
        parse_csv(data)


@pytest.mark.parametrize("text", [
    "\ufeffnomor;nama;kelurahan;peran\r\n081234567890;Budi;Girian Bawah;warga\r\n",
    "NOMOR, Nama ,Kelurahan,PERAN\n081234567890,Budi,girian bawah,WARGA\n\n",
    'nomor,nama,kelurahan,peran\n081234567890,"Budi, S.Pd",Girian Bawah,\n',
])
def test_bom_delimiters_case_and_quotes(text):
    parsed = parse_csv(text.encode("utf-8"))
    assert parsed.errors == []
    [row] = parsed.rows
    assert row["address"] == "+6281234567890" and row["kelurahan"] == "Girian Bawah"


def test_refused_file_exits_non_zero(db, env, tmp_path):
    result = run_cli("contacts", "import", write(tmp_path, "telepon\n0812\n"), env=env)
    assert result.returncode != 0 and "berkas ditolak" in result.stderr
    assert count(db) == 0


def test_set_role_binds_a_kepala_and_is_audited(db, env):
    result = run_cli("contacts", "set-role", "081234567890", "kepala", env=env)
    assert result.returncode != 0 and "kepala harus terikat" in result.stderr
    result = run_cli("contacts", "set-role", "081234567890", "kepala", "--kelurahan",
                     "girian bawah", env=env)
    assert result.returncode == 0, result.stderr
    row = contacts.by_address(db, "+6281234567890")
    assert (row["role"], row["kelurahan"]) == ("kepala", "Girian Bawah")
    result = run_cli("contacts", "set-role", "081234567890", "warga", env=env)
    assert contacts.by_address(db, "+6281234567890")["role"] == "warga"
    assert [json.loads(e["detail"])["role"] for e in audit.recent(db, action="role")] == [
        "warga", "kepala"]
    listed = run_cli("contacts", "list", "--kelurahan", "Girian Bawah", env=env).stdout
    assert listed.strip() == "+6281234567890\t-\tGirian Bawah\twarga\taktif"
