"""The office speaker: `python -m voice --server URL --token TOKEN [--wav-dir DIR]`.

A Socket.IO client of the server's `/events` namespace, in the `speakers` room. Each `announce`
event is spoken through pyttsx3 (espeak-ng on Linux) in its language, one at a time, in order;
with --wav-dir the speech is written to WAV files instead. It reconnects by itself with backoff,
and stops with a clear message when the server refuses its token. It never imports `app`.
"""
import argparse
import logging
import queue
import sys
import threading
import time
from pathlib import Path

import socketio

log = logging.getLogger("voice")


class Speaker:
    """Speaks (or writes) one phrase at a time, from a queue, on its own thread."""

    def __init__(self, wav_dir: Path | None, rate: int | None = None):
        self.wav_dir = wav_dir
        self.rate = rate
        self.queue: queue.Queue = queue.Queue()
        self.written: list[Path] = []
        self.thread = threading.Thread(target=self._run, name="speaker", daemon=True)
        self.thread.start()

    def say(self, text: str, lang: str, key: str) -> None:
        self.queue.put((text, lang, key))

    def _run(self) -> None:
        import pyttsx3  # the engine lives on this thread only

        engine = pyttsx3.init()
        if self.rate:
            engine.setProperty("rate", self.rate)
        voices = {}
        for voice in engine.getProperty("voices"):
            for language in [str(x) for x in (voice.languages or [])] + [str(voice.id)]:
                voices.setdefault(language.lower().split("-")[0].split("/")[-1], voice.id)
        while True:
            text, lang, key = self.queue.get()
            try:
                if lang in voices:
                    engine.setProperty("voice", voices[lang])
                if self.wav_dir is not None:
                    path = self.wav_dir / f"{key}.wav"
                    engine.save_to_file(text, str(path))
                    engine.runAndWait()
                    self.written.append(path)
                    log.info("wrote %s", path)
                else:
                    engine.say(text)
                    engine.runAndWait()
            except Exception:  # one bad phrase must not silence the office
                log.exception("could not speak %r", text)


def run(server: str, token: str, wav_dir: Path | None, rate: int | None = None) -> int:
    speaker = Speaker(wav_dir, rate)
    # not a browser: no Origin header (the server checks a browser's Origin against its own address;
    # the agent proves who it is with its token instead)
    client = socketio.Client(reconnection=True, reconnection_delay=1, reconnection_delay_max=30,
                             randomization_factor=0.5, websocket_extra_options={"suppress_origin": True})
    refused = threading.Event()

    @client.on("announce", namespace="/events")
    def on_announce(data):
        key = f"ticket-{data.get('ticket_id')}-{int(time.time() * 1000)}"
        log.info("announce: %s", data.get("text"))
        speaker.say(str(data.get("text", "")), str(data.get("lang", "en")), key)

    @client.on("connect", namespace="/events")
    def on_connect():
        log.info("connected to %s as a speaker", server)

    @client.on("connect_error", namespace="/events")
    def on_connect_error(data):
        message = data.get("message") if isinstance(data, dict) else str(data)
        if message in ("invalid token", "authentication required"):
            print(f"voice: the server refused the token ({message}); check --token", file=sys.stderr)
            refused.set()

    @client.on("disconnect", namespace="/events")
    def on_disconnect(*_args):
        log.warning("disconnected; reconnecting")

    delay = 1.0
    while not refused.is_set():
        try:
            # WebSocket only: it works with one web process or several (long-polling needs one)
            client.connect(server, namespaces=["/events"], auth={"token": token, "speaker": True}, wait_timeout=10,
                           transports=["websocket"])
            client.wait()   # returns when the client gives up reconnecting
        except socketio.exceptions.ConnectionError as exc:
            if refused.is_set():
                break
            log.warning("cannot connect (%s); retrying in %.0f s", exc, delay)
            time.sleep(delay)
            delay = min(delay * 2, 30)
    return 2


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voice", description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="e.g. http://127.0.0.1:5000")
    parser.add_argument("--token", required=True, help="an API token of a staff user (API tokens page)")
    parser.add_argument("--wav-dir", type=Path, help="write WAV files here instead of speaking")
    parser.add_argument("--rate", type=int, help="words per minute")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s voice %(levelname)s %(message)s")
    if args.wav_dir:
        args.wav_dir.mkdir(parents=True, exist_ok=True)
    return run(args.server.rstrip("/"), args.token, args.wav_dir, args.rate)


if __name__ == "__main__":
    sys.exit(main())
