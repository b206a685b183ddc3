"""Helpers for tests that run the project's own programs (worker, beat, gunicorn) as processes."""

import http.client
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]  # (host, port): an IPv4 address
        return port


def database_url() -> str:
    """The test database, for another process."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition: Callable[[], bool], timeout: float, every: float = 0.5) -> bool:
    """Poll until `condition()` holds or `timeout` seconds pass; a busy machine gets generous ones."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


@dataclass
class Answer:
    """An HTTP response, its body read before the connection closed."""

    status: int
    headers: http.client.HTTPMessage
    body: str

    def getheader(self, name: str) -> str | None:
        return self.headers.get(name)


class LocalSite:
    """A web server a test started on 127.0.0.1, asked as a client would: with a Host header."""

    def __init__(self, port: int, *, host: str = "127.0.0.1") -> None:
        self.port = port
        self.host = host

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers={"Host": self.host, **(headers or {})})
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read().decode(errors="replace"))
        finally:
            connection.close()

    def answers(self) -> bool:
        try:
            self.get("/accounts/login/")
        except OSError:
            return False
        return True


@contextmanager
def serving(site: LocalSite, command: Sequence[str], *, env: Mapping[str, str], log: Path) -> Iterator[LocalSite]:
    """Run `command` (a web server on `site`'s port) until the block ends; wait, generously, until it
    answers first. Its output goes to `log`, shown when it never answers."""
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 (the tests' own fixed commands)
            list(command), cwd=BASE_DIR, env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        assert wait_for(lambda: process.poll() is None and site.answers(), 120), log.read_text()
        yield site
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
