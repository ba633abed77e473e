"""`aspirasi run` starts web + worker + embedded Redis; simulate goes through; SIGTERM stops all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import run_cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TWILIO_", "ASPIRASI_", "REDIS_URL"))}
    env["ASPIRASI_DB"] = str(tmp_path / "instance" / "aspirasi.db")
    env["PYTHONPATH"] = ROOT
    return env


def wait_healthy(url: str, process, timeout: float = 90) -> dict:
    import json

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                body = json.loads(response.read())
                if body.get("redis") == "ok":
                    return body
        except OSError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.terminate()
    out, err = process.communicate(timeout=30)
    raise AssertionError(f"gateway did not become healthy:\n{out[-3000:]}\n{err[-3000:]}")


@pytest.mark.slow
def test_run_simulate_and_stop_cleanly(tmp_path):
    port = free_port()
    env = clean_env(tmp_path)
    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "run", "--port", str(port)],
                               env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        health = wait_healthy(base, process)
        assert health["db"] == "ok"
        result = run_cli("simulate", "--from", "081234567890", "--url", base,
                         "jln rusak dkt pasar girian", env=env, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        assert "Tiket" in result.stdout and "infrastruktur" in result.stdout
        assert "Aspirasi diterima" in result.stdout
        wa = run_cli("simulate", "--whatsapp", "--from", "+6281234567891", "--url", base,
                     "homestay di lembeh butuh pelatihan guide", env=env, cwd=ROOT)
        assert wa.returncode == 0 and "pariwisata" in wa.stdout, wa.stdout + wa.stderr
        # a WhatsApp burst: a voice note, a pin, then the words; one ticket, one ack
        voice = run_cli("simulate", "--whatsapp", "--from", "+6281234567892", "--url", base,
                        "--media", "https://example.org/pesan.ogg", "--media-type", "audio/ogg",
                        env=env, cwd=ROOT)
        assert voice.returncode == 0, voice.stderr
        assert "Balasan   : Pesan suara diterima: tiket " in voice.stdout
        assert "menunggu bagian lain" in voice.stdout  # held for the rest of the burst
        ticket = voice.stdout.split("Tiket     : ")[1].split()[0]
        pin = run_cli("simulate", "--whatsapp", "--from", "+6281234567892", "--url", base,
                      "--location", "1.4406,125.1217", "--label", "Pasar Girian",
                      env=env, cwd=ROOT)
        assert f"Tiket     : {ticket}" in pin.stdout and "bagian tiket (lokasi)" in pin.stdout
        words = run_cli("simulate", "--whatsapp", "--from", "+6281234567892", "--url", base,
                        "got di depan pasar tersumbat, kel. girian bawah", env=env, cwd=ROOT)
        assert f"Tiket     : {ticket}" in words.stdout and "infrastruktur" in words.stdout
        assert "Kelurahan : Girian Bawah" in words.stdout, words.stdout
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err[-2000:]
    assert base in out and "berhenti" in out
    # every child is gone: nothing in the process group, the port is free, Redis is down
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
    sock = tmp_path / "instance" / "redis.sock"
    assert not sock.exists() or not _pings(str(sock))


def _pings(path: str) -> bool:
    from gateway.embedded_redis import ping

    return ping(path)


def test_simulate_against_nothing_fails_clearly(tmp_path):
    result = run_cli("simulate", "--from", "081234567890", "--url",
                     f"http://127.0.0.1:{free_port()}", "halo", env=clean_env(tmp_path), cwd=ROOT)
    assert result.returncode != 0
    assert "tidak bisa dihubungi" in result.stderr


def test_simulate_rejects_a_bad_number(tmp_path):
    result = run_cli("simulate", "--from", "halo", "x", env=clean_env(tmp_path), cwd=ROOT)
    assert result.returncode != 0 and "nomor tidak valid" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--location", "1.44"], "LAT,LON"), (["--location", "91,125"], "rentang"),
    (["--label", "Pasar"], "--label perlu --location"),
    (["--media", "file:///etc/passwd"], "bukan URL"),
    (["--media-type", "audio/ogg"], "lebih banyak --media-type"), ([], "kirim TEXT"),
])
def test_simulate_checks_media_and_location(tmp_path, args, message):
    result = run_cli("simulate", "--from", "081234567890", *args, env=clean_env(tmp_path),
                     cwd=ROOT)
    assert result.returncode != 0 and message in result.stderr, result.stderr


def test_simulate_builds_the_form_twilio_posts():
    from gateway.commands.simulate import build_form, media_items

    items = media_items(("https://x.example/a.jpg", "https://x.example/b.ogg?x=1"), ())
    assert items == (("https://x.example/a.jpg", "image/jpeg"),
                     ("https://x.example/b.ogg?x=1", "audio/ogg"))
    form = build_form("+6281234567890", "", True, "+15005550006", items,
                      ("1.440600", "125.121700", "Pasar Girian"))
    assert form["NumMedia"] == "2" and form["MediaContentType1"] == "audio/ogg"
    assert (form["Latitude"], form["Longitude"], form["Label"]) == ("1.440600", "125.121700",
                                                                    "Pasar Girian")
    assert form["MessageSid"].startswith("MM") and form["From"] == "whatsapp:+6281234567890"
