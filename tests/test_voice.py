"""The office speaker: announcements reach the `speakers` room, repeat until acknowledged, and the
voice agent turns them into speech that real espeak-ng produced."""
import array
import os
import shutil
import subprocess
import sys
import threading
import wave
from datetime import timedelta
from pathlib import Path

from app import create_app
from app.core.types import utcnow
from app.extensions import db
from app.tickets.announce import announce_due
from config import TestingConfig
from tests.conftest import assert_quiet, require, wait_until
from tests.test_live import _api, _speaker_socket, engineer_in_chromium, live_db, server  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


def _run_announce_job(server_info, minutes_ahead: int) -> int:   # noqa: F811
    """What the scheduler does, against the live server's database, as if time had passed."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=server_info["url"])
    with app.app_context():
        count = announce_due(utcnow() + timedelta(minutes=minutes_ahead))
        db.session.commit()
        db.engine.dispose()
    return count


def test_announced_at_creation_and_repeated_until_acknowledged(server):  # noqa: F811
    speaker, heard = _speaker_socket(server)
    staff_only, not_heard = _speaker_socket(server, speaker=False)
    try:
        first = _api(server, "staff", "POST", "/tickets", json={"client_id": server["clients"]["a"],
                                                                "subject": "Принтер", "priority": "high"}).json()
        second = _api(server, "staff", "POST", "/tickets", json={"client_id": server["clients"]["b"],
                                                                 "subject": "Почта"}).json()
        texts = {heard.get(timeout=5)["ticket_id"]: None for _ in range(2)}
        assert set(texts) == {first["id"], second["id"]}
        _api(server, "staff", "POST", f"/tickets/{first['id']}/status", json={"status": "in_progress"})
        assert _run_announce_job(server, minutes_ahead=6) >= 1
        repeat = heard.get(timeout=5)
        assert repeat["ticket_id"] == second["id"] and repeat["text"].startswith("Повторно")
        assert "Бета" in repeat["text"] and str(second["id"]) in repeat["text"] and repeat["lang"] == "ru"
        assert_quiet(heard, within=0.5, what="an acknowledged ticket was announced again")
        assert_quiet(not_heard, within=0.1, what="a socket that is not a speaker heard an announcement")
    finally:
        speaker.disconnect()
        staff_only.disconnect()


def _agent(server_info, token, wav_dir):  # noqa: F811
    return subprocess.Popen([sys.executable, "-m", "voice", "--server", server_info["base"], "--token", token,
                             "--wav-dir", str(wav_dir)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _read_lines(stream) -> list[str]:
    """The lines a process writes, collected as they come (a thread reads the pipe)."""
    lines: list[str] = []

    def read():
        for line in iter(stream.readline, b""):
            lines.append(line.decode(errors="replace"))

    threading.Thread(target=read, daemon=True).start()
    return lines


def _complete_wav(path: Path) -> bool:
    """The agent has finished writing `path`: a readable WAV whose header counts every byte."""
    try:
        with wave.open(str(path)) as wav:
            expected = wav.getnframes() * wav.getsampwidth() * wav.getnchannels()
    except (wave.Error, EOFError):
        return False
    return expected > 0 and path.stat().st_size >= 44 + expected


def test_voice_agent_writes_real_speech(server, tmp_path):  # noqa: F811
    require(shutil.which("espeak-ng") is not None, "espeak-ng is not installed (apt-get install espeak-ng)")
    agent = _agent(server, server["tokens"]["staff"], tmp_path)
    output = _read_lines(agent.stdout)
    try:
        wait_until(lambda: any("as a speaker" in line for line in output), timeout=15, what="the agent to connect")
        _api(server, "staff", "POST", "/tickets", json={"client_id": server["clients"]["a"], "subject": "Сервер 1С"})
        wavs = wait_until(lambda: [p for p in tmp_path.glob("*.wav") if _complete_wav(p)], timeout=15,
                          what="a complete WAV file")
        with wave.open(str(wavs[0])) as wav:
            seconds = wav.getnframes() / wav.getframerate()
            samples = array.array("h", wav.readframes(wav.getnframes()))
        assert seconds > 0.5
        rms = (sum(s * s for s in samples) / len(samples)) ** 0.5
        assert rms > 100, f"silent WAV (rms {rms:.0f})"
    finally:
        agent.terminate()
        agent.wait(timeout=10)


def test_voice_agent_with_a_bad_token_says_so(server, tmp_path):  # noqa: F811
    agent = _agent(server, "not-a-token", tmp_path)
    try:
        output, _ = agent.communicate(timeout=30)
    finally:
        if agent.poll() is None:
            agent.kill()
    assert agent.returncode == 2
    assert b"refused the token" in output


def test_agent_does_not_import_the_app():
    source = (ROOT / "voice" / "__main__.py").read_text()
    assert "import app" not in source and "from app" not in source
    env = {k: v for k, v in os.environ.items()}
    out = subprocess.run([sys.executable, "-c", "import sys, voice.__main__; print('app' in sys.modules)"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "False", out.stderr


def test_browser_speaker_page_hears_announcements(server):  # noqa: F811
    """The /speaker page in Chromium joins the speakers room and lists (and speaks) what it hears."""
    with engineer_in_chromium(server) as page:
        page.goto(server["base"] + "/speaker")
        page.click("#speaker-start")
        page.locator("#speaker-state[data-connected='1']").wait_for()
        ticket = _api(server, "staff", "POST", "/tickets", json={"client_id": server["clients"]["a"],
                                                                 "subject": "Громко"}).json()
        page.locator(f"#speaker-log li[data-ticket-id='{ticket['id']}']").wait_for()
        assert "Громко" in page.locator("#speaker-log").inner_text()
