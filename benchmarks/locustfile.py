"""Twenty people at once on every page and API read (benchmarks/load.py runs it; see benchmarks/README.md).

Marketers, marketing heads, sales heads and the founder sign in through the login form and read
pages; integrations read the API with tokens. Everyone also opens `/healthz/`, the smallest signed-in
page, so that every page's time can be compared with it in the same run. Each request is named by
its page (not its URL; also sent as `X-Load-Name`, for the server's access log), and its size is
recorded.

The plan (users, tokens, ids) is the JSON file `benchmarks/load_data.py` writes, named by
`LOAD_PLAN`. The server runs as in production, behind a TLS proxy that this file plays: requests
carry `X-Forwarded-Proto: https`, and the session and CSRF cookies (Secure) are sent by hand.
"""

import datetime as dt
import json
import os
import random
import re
from collections import defaultdict

from locust import FastHttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
RESULTS = os.environ.get("LOAD_RESULTS")
TODAY = dt.date.fromisoformat(PLAN["built"])
MONTH = f"from={TODAY.replace(day=1)}&to={TODAY + dt.timedelta(days=1)}"
YEAR = f"date_from={TODAY - dt.timedelta(days=330)}&date_to={TODAY + dt.timedelta(days=1)}"
PROXY = {"X-Forwarded-Proto": "https"}
timings: dict[str, list[float]] = defaultdict(list)
sizes: dict[str, int] = defaultdict(int)
failures: dict[str, int] = defaultdict(int)


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **kwargs) -> None:
    if exception is not None:
        failures[name] += 1
        return
    timings[name].append(response_time)
    sizes[name] = max(sizes[name], response_length or 0)


@events.quitting.add_listener
def _write(environment, **kwargs) -> None:
    if RESULTS:
        with open(RESULTS, "w", encoding="utf-8") as out:
            json.dump({"timings": timings, "sizes": sizes, "failures": failures}, out)


def _experiment() -> int:
    return random.choice(PLAN["experiment_ids"])


class Person(FastHttpUser):
    """Someone who signs in and reads pages."""

    abstract = True
    role = ""
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        user = PLAN["users"][self.role][self.__class__.number % len(PLAN["users"][self.role])]
        self.__class__.number += 1
        self.cookies: dict[str, str] = {}
        self._get("/accounts/login/", "login form")
        origin = f"https://{self.host.split('://', 1)[1]}"
        self._send(
            "POST",
            "/accounts/login/",
            "login",
            data=f"username={user['username']}&password={PLAN['password']}&csrfmiddlewaretoken={self.cookies['csrftoken']}",
            headers={"Origin": origin, "Content-Type": "application/x-www-form-urlencoded"},
            expect=302,
        )
        assert "sessionid" in self.cookies, "the login did not start a session"

    def _send(self, method: str, url: str, name: str, *, headers=None, expect: int = 200, **kwargs) -> None:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        with self.client.request(
            method,
            url,
            name=name,
            headers={**PROXY, "X-Load-Name": name, **({"Cookie": cookie} if cookie else {}), **(headers or {})},
            allow_redirects=False,
            catch_response=True,
            **kwargs,
        ) as response:
            for header, value in response.headers.items():
                if header.lower() == "set-cookie":
                    match = re.match(r"\s*([^=;]+)=([^;]*)", value)
                    if match:
                        self.cookies[match.group(1)] = match.group(2)
            if response.status_code != expect:
                response.failure(f"{response.status_code} instead of {expect}")

    def _get(self, url: str, name: str) -> None:
        self._send("GET", url, name)

    # What everyone reads.
    @task(4)
    def healthz(self) -> None:
        self._get("/healthz/", "healthz (trivial page)")

    @task(4)
    def dashboard(self) -> None:
        self._get("/", "dashboard")

    @task(2)
    def experiment_list(self) -> None:
        self._get("/experiments/", "experiment list")

    @task(1)
    def experiment_list_filtered(self) -> None:
        query = random.choice(
            [
                ("status=awaiting_review", "awaiting review"),
                ("status=running", "running"),
                ("status=reviewed&page=3", "reviewed, page 3"),
                (f"channel={random.choice(PLAN['channel_ids'])}", "channel"),
                ("q=segment+1", "search"),
            ]
        )
        self._get(f"/experiments/?{query[0]}", "experiment list ?status/channel/q")

    @task(4)
    def experiment(self) -> None:
        self._get(f"/experiments/{_experiment()}/", "experiment page")

    @task(1)
    def experiment_many_questions(self) -> None:
        self._get(f"/experiments/{PLAN['many_questions_experiment']}/", "experiment page, 45 questions")

    @task(2)
    def scoreboard(self) -> None:
        self._get("/scoreboard/", "scoreboard")

    @task(1)
    def scoreboard_channel(self) -> None:
        self._get(
            f"/scoreboard/?{YEAR}&channel={random.choice(PLAN['channels'])}", "scoreboard, one channel, 11 months"
        )

    @task(1)
    def imports(self) -> None:
        self._get("/imports/", "imports")

    @task(1)
    def import_detail(self) -> None:
        self._get(f"/imports/{random.choice(PLAN['imports'])}/", "import page")

    @task(1)
    def meetings(self) -> None:
        self._get("/meetings/", "meetings")

    @task(1)
    def meeting_sync(self) -> None:
        self._get(f"/meetings/{random.choice(PLAN['meetings']['sync'])}/", "meeting (sync)")

    @task(1)
    def meeting_founder(self) -> None:
        self._get(f"/meetings/{random.choice(PLAN['meetings']['founder'])}/", "meeting (founder)")

    @task(1)
    def goals(self) -> None:
        self._get("/goals/", "goals")

    @task(1)
    def regulation(self) -> None:
        self._get("/regulation/", "regulation")


class Marketer(Person):
    role = "marketer"
    fixed_count = 6
    number = 0


class MarketingHead(Person):
    role = "marketing_head"
    fixed_count = 2
    number = 0


class SalesHead(Person):
    role = "sales_head"
    fixed_count = 3
    number = 0


class Founder(Person):
    role = "founder"
    fixed_count = 1
    number = 0


class Admin(Person):
    role = "admin"
    fixed_count = 1
    number = 0


class Integration(FastHttpUser):
    """A CRM or BI tool reading the API with a token."""

    fixed_count = 7
    number = 0
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        everyone = [u for users in PLAN["users"].values() for u in users]
        user = everyone[self.__class__.number % len(everyone)]
        self.__class__.number += 1
        self.headers = {**PROXY, "Authorization": f"Token {user['token']}", "Accept": "application/json"}

    def _get(self, url: str, name: str) -> None:
        headers = {**self.headers, "X-Load-Name": name}
        with self.client.get(url, name=name, headers=headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    @task(3)
    def healthz(self) -> None:
        self._get("/api/v1/", "api: root (trivial read)")

    @task(3)
    def experiments(self) -> None:
        self._get("/api/v1/experiments/", "api: experiments")

    @task(2)
    def experiments_filtered(self) -> None:
        status = random.choice(["running", "awaiting_review", "reviewed", "draft"])
        self._get(f"/api/v1/experiments/?status={status}", "api: experiments ?status")

    @task(3)
    def experiment(self) -> None:
        self._get(f"/api/v1/experiments/{_experiment()}/", "api: experiment")

    @task(3)
    def metrics(self) -> None:
        self._get(f"/api/v1/experiments/{_experiment()}/metrics/", "api: experiment metrics")

    @task(1)
    def questions(self) -> None:
        self._get(f"/api/v1/experiments/{PLAN['many_questions_experiment']}/questions/", "api: questions")

    @task(2)
    def scoreboard(self) -> None:
        self._get(f"/api/v1/scoreboard/?{MONTH}", "api: scoreboard")

    @task(1)
    def imports(self) -> None:
        self._get("/api/v1/imports/", "api: imports")

    @task(1)
    def import_detail(self) -> None:
        self._get(f"/api/v1/imports/{random.choice(PLAN['imports'])}/", "api: import")

    @task(1)
    def meetings(self) -> None:
        self._get("/api/v1/meetings/", "api: meetings")

    @task(1)
    def meeting(self) -> None:
        kind = random.choice(["sync", "founder"])
        self._get(f"/api/v1/meetings/{random.choice(PLAN['meetings'][kind])}/", "api: meeting")

    @task(1)
    def goals(self) -> None:
        self._get("/api/v1/goals/", "api: goals")

    @task(1)
    def regulations(self) -> None:
        self._get("/api/v1/regulations/", "api: regulations")

    @task(1)
    def channels(self) -> None:
        self._get("/api/v1/channels/", "api: channels")
