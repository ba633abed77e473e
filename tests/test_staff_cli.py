"""`aspirasi create-staff`: passwords from a prompt or stdin only, roles, kelurahan, --update."""

from __future__ import annotations

from data import staff_accounts as staff
from gateway import accounts
from tests.conftest import run_cli


def test_create_staff_from_stdin_hashes_with_scrypt(env, db):
    result = run_cli("create-staff", "ani", "--role", "staf", "--password-stdin",
                     env=env, input="sandi-rahasia-1\n")
    assert result.returncode == 0, result.stderr
    assert "akun ani (staf) dibuat" in result.stdout
    user = staff.by_username(db, "ani")
    assert user["password_hash"].startswith("scrypt:")
    assert "sandi-rahasia-1" not in user["password_hash"]
    assert accounts.authenticate(db, "ani", "sandi-rahasia-1")[1] == "ok"


def test_prompt_asks_twice(env, db):
    result = run_cli("create-staff", "budi", "--role", "admin", env=env,
                     input="sandi-rahasia-1\nsandi-rahasia-1\n")
    assert result.returncode == 0, result.stderr
    assert staff.by_username(db, "budi")["role"] == "admin"
    mismatch = run_cli("create-staff", "cici", "--role", "admin", env=env,
                       input="sandi-rahasia-1\nlain-sekali-2\n")
    assert mismatch.returncode != 0 and staff.by_username(db, "cici") is None


def test_kelurahan_role_needs_a_known_kelurahan(env, db):
    missing = run_cli("create-staff", "lurah", "--role", "kelurahan", "--password-stdin",
                      env=env, input="sandi-rahasia-1\n")
    assert missing.returncode == 2 and "--kelurahan" in missing.stderr
    unknown = run_cli("create-staff", "lurah", "--role", "kelurahan", "--kelurahan",
                      "Atlantis", "--password-stdin", env=env, input="sandi-rahasia-1\n")
    assert unknown.returncode == 1 and "tidak dikenal" in unknown.stderr
    ok = run_cli("create-staff", "lurah", "--role", "kelurahan", "--kelurahan", "madidir ure",
                 "--password-stdin", env=env, input="sandi-rahasia-1\n")
    assert ok.returncode == 0, ok.stderr
    assert staff.by_username(db, "lurah")["kelurahan"] == "Madidir Ure"


def test_short_password_and_existing_user_need_update(env, db):
    short = run_cli("create-staff", "ani", "--role", "staf", "--password-stdin", env=env,
                    input="pendek\n")
    assert short.returncode == 1 and "minimal 8" in short.stderr
    run_cli("create-staff", "ani", "--role", "staf", "--password-stdin", env=env,
            input="sandi-rahasia-1\n")
    again = run_cli("create-staff", "ani", "--role", "admin", "--password-stdin", env=env,
                    input="sandi-rahasia-2\n")
    assert again.returncode == 1 and "--update" in again.stderr
    update = run_cli("create-staff", "ani", "--role", "admin", "--update", "--password-stdin",
                     env=env, input="sandi-rahasia-2\n")
    assert update.returncode == 0, update.stderr
    assert staff.by_username(db, "ani")["role"] == "admin"
    assert accounts.authenticate(db, "ani", "sandi-rahasia-2")[1] == "ok"


def test_no_password_option_on_the_command_line(env):
    result = run_cli("create-staff", "ani", "--role", "staf", "--password", "x", env=env)
    assert result.returncode == 2 and "No such option" in result.stderr
