"""Settings: one table, clear errors naming the variable."""

from __future__ import annotations

import pytest

from gateway.config import ConfigError, load_settings
from handlers.settings import declared, markdown_table
from tests.conftest import run_cli

SID = "AC" + "1" * 32


def test_defaults_need_nothing():
    s = load_settings({})
    assert s.db_path == "instance/aspirasi.db"
    assert s.redis_url is None and s.effective_redis_url.startswith("unix://")
    assert s.twilio_api_url == "https://api.twilio.com"
    assert not s.twilio_enabled


@pytest.mark.parametrize("environ, variable", [
    ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
    ({"TWILIO_ACCOUNT_SID": "AC123"}, "TWILIO_ACCOUNT_SID"),
    ({"TWILIO_ACCOUNT_SID": SID}, "TWILIO_AUTH_TOKEN"),
    ({"TWILIO_AUTH_TOKEN": "x"}, "TWILIO_ACCOUNT_SID"),
    ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": "x"}, "TWILIO_SMS_FROM"),
    ({"TWILIO_SMS_FROM": "0812345"}, "TWILIO_SMS_FROM"),
    ({"TWILIO_WHATSAPP_FROM": "+14155238886"}, "TWILIO_WHATSAPP_FROM"),
    ({"TWILIO_API_URL": "ftp://x"}, "TWILIO_API_URL"),
    ({"ASPIRASI_PUBLIC_URL": "aspirasi.example.id"}, "ASPIRASI_PUBLIC_URL"),
    ({"ASPIRASI_SEND_RATE": "fast"}, "ASPIRASI_SEND_RATE"),
    ({"ASPIRASI_SEND_RATE": "-1"}, "ASPIRASI_SEND_RATE"),
    ({"ASPIRASI_BROADCAST_DAILY_CAP": "0"}, "ASPIRASI_BROADCAST_DAILY_CAP"),
    ({"ASPIRASI_SEND_TIMEOUT_SECONDS": "0"}, "ASPIRASI_SEND_TIMEOUT_SECONDS"),
    ({"ASPIRASI_RECONCILE_SECONDS": "0"}, "ASPIRASI_RECONCILE_SECONDS"),
    ({"ASPIRASI_RETRY_BASE_SECONDS": "nan"}, "ASPIRASI_RETRY_BASE_SECONDS"),
    ({"ASPIRASI_STALE_SENDING_SECONDS": "inf"}, "ASPIRASI_STALE_SENDING_SECONDS"),
])
def test_bad_setting_names_the_variable(environ, variable):
    with pytest.raises(ConfigError) as info:
        load_settings(environ)
    assert info.value.variable == variable
    assert str(info.value).startswith(variable)


@pytest.mark.parametrize("value", ["+15005550006", "MG" + "a" * 32])
def test_sms_sender_is_a_number_or_a_messaging_service(value):
    s = load_settings({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": "x",
                       "TWILIO_SMS_FROM": value})
    assert s.twilio_enabled and s.twilio_sms_from == value


def test_every_setting_has_a_variable_and_help():
    variables = [item.metadata["variable"] for item in declared()]
    assert len(variables) == len(set(variables))
    for item in declared():
        assert item.metadata["variable"].isupper() and item.metadata["help"]


def test_send_rate_zero_means_off_and_is_allowed():
    assert load_settings({"ASPIRASI_SEND_RATE": "0"}).send_rate == 0


def test_bad_setting_stops_the_cli_with_one_line(tmp_path):
    result = run_cli("init-db", env={"ASPIRASI_DB": str(tmp_path / "a.db"),
                                     "ASPIRASI_SEND_RATE": "fast"})
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "ASPIRASI_SEND_RATE" in lines[0]
    assert "Traceback" not in result.stderr


def test_init_db_creates_and_migrates(tmp_path):
    path = tmp_path / "x" / "aspirasi.db"
    result = run_cli("init-db", env={"ASPIRASI_DB": str(path)})
    assert result.returncode == 0, result.stderr
    assert path.exists()
    again = run_cli("init-db", env={"ASPIRASI_DB": str(path)})
    assert "0 migration(s)" in again.stdout


def test_readme_settings_table_is_the_generated_one():
    """The README table is generated from handlers.settings: `aspirasi settings --markdown`."""
    import pathlib

    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, "run `aspirasi settings --markdown` and paste the table"
