"""Load a realistic demo company: users of every role, channels, experiments in every status,
thousands of CRM leads, spend, reviews and questions. Everything goes through the services, so the
demo obeys the same rules as real use. Running it again changes nothing.

The company speaks the installation's language (`LANGUAGE_CODE`, `experiments.management.demo_texts`):
names, channels, hypotheses, reasons and texts in Russian for `ru`, in English otherwise."""

import datetime as dt
import os
import random
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from experiments.management.demo_texts import DemoTexts, demo_texts
from experiments.models import Channel, Experiment
from experiments.services.channels import channel_create
from experiments.services.experiments import experiment_cancel, experiment_create, experiment_launch
from experiments.services.questions import question_answer, question_ask
from experiments.services.reviews import review_file
from experiments.services.unlocks import unlocks_record_due
from metrics.services import leads_upsert, snapshots_recompute, spend_create

DEMO_PASSWORD = "demo-tracker-2026"  # noqa: S105 (printed for the demo; never used outside it)

# username, group (None: admin); full names are in the installation's language
USERS = [
    ("alice", "marketer"),
    ("bob", "marketer"),
    ("maria", "marketing_head"),
    ("sergey", "sales_head"),
    ("fedor", "founder"),
    ("admin", None),
]

CHANNELS = ["partner-mailings", "paid-search", "events", "content-seo", "webinars", "referral"]

# utm (the title's key), channel, owner, days since start, period, fate, non-target share, leads/day
EXPERIMENTS = [
    ("partner_smb", "partner-mailings", "alice", 12, 30, "running", 0.22, 27),
    ("search_competitors", "paid-search", "bob", 20, 30, "running", 0.28, 42),
    ("expo_autumn", "events", "alice", 8, 21, "running", 0.18, 18),
    ("seo_cfo_guides", "content-seo", "bob", 25, 60, "running", 0.25, 15),
    ("webinar_onboarding", "webinars", "alice", 40, 30, "ended", 0.24, 21),
    ("referral_x2", "referral", "bob", 35, 30, "ended", 0.15, 15),
    ("partner_cold_list", "partner-mailings", "bob", 9, 30, "exception", 0.72, 24),
    ("search_generic", "paid-search", "alice", 75, 30, "reviewed_ok", 0.20, 36),
    ("events_kazan", "events", "bob", 70, 21, "reviewed_bad", 0.45, 18),
    ("podcast_q4", "content-seo", "alice", 3, 30, "cancelled", 0.3, 0),
    ("retarget_lookalike", "paid-search", "bob", -3, 30, "draft", 0.0, 0),
    ("partner_webinar", "webinars", "alice", -10, 14, "draft", 0.0, 0),
]


class Command(BaseCommand):
    help = "Load the demo company (idempotent) and print the demo users' credentials."

    def handle(self, *args, **options) -> None:
        self.texts = demo_texts(settings.LANGUAGE_CODE)
        if Channel.objects.filter(slug="partner-mailings").exists():
            self.stdout.write("Demo data is already loaded.")
        else:
            self._load()
        self.stdout.write(self.style.SUCCESS(f"\nDemo users (password for all: {DEMO_PASSWORD})"))
        for username, group in USERS:
            self.stdout.write(f"  {username:<8} {group or 'admin (is_staff)':<16} {self.texts.names[username]}")
        port = os.environ.get("PORT", "8000")
        self.stdout.write(f"Open http://127.0.0.1:{port}/ (admin site: /admin/, API docs: /api/v1/docs/)\n")

    def _load(self) -> None:
        texts: DemoTexts = self.texts
        rng = random.Random(2026)
        users = self._users()
        admin = users["admin"]
        with transaction.atomic():
            for slug in CHANNELS:
                channel_create(by=admin, name=texts.channels[slug], slug=slug)
        channels = {c.slug: c for c in Channel.objects.all()}
        today = timezone.localdate()
        experiments: list[tuple[Experiment, str, float, int]] = []
        for utm, slug, owner, ago, period, fate, share, per_day in EXPERIMENTS:
            title = texts.titles[utm]
            experiment = experiment_create(
                by=users[owner],
                title=title,
                hypothesis=texts.hypothesis.format(title=title, lower=title.lower()),
                channel=channels[slug],
                utm_campaign=utm,
                start_date=today - dt.timedelta(days=ago),
                test_period_days=period,
                budget=Decimal(rng.choice([80_000, 150_000, 250_000, 400_000])),
                targets={"max_cpl": "1500.00", "min_mql": 40},
            )
            if fate != "draft":
                experiment = experiment_launch(experiment=experiment, by=users[owner])
            experiments.append((experiment, fate, share, per_day))

        leads, spend = self._activity(rng, experiments, today)
        for start in range(0, len(leads), 5000):
            leads_upsert(rows=leads[start : start + 5000], by=users["sergey"])
        spend_create(rows=spend, by=users["alice"])
        ids = [e.id for e, *_ in experiments]
        snapshots_recompute(experiment_ids=ids)
        unlocks_record_due(experiment_ids=ids)

        for experiment, fate, *_ in experiments:
            experiment.refresh_from_db()
            if fate == "reviewed_ok":
                review_file(
                    experiment=experiment,
                    by=users["sergey"],
                    verdict="confirmed",
                    summary=texts.review_confirmed[0],
                    loss_reasons=texts.review_confirmed[1],
                    recommendation="scale",
                )
            elif fate == "reviewed_bad":
                review_file(
                    experiment=experiment,
                    by=users["sergey"],
                    verdict="not_confirmed",
                    summary=texts.review_not_confirmed[0],
                    loss_reasons=texts.review_not_confirmed[1],
                    recommendation="adjust_positioning",
                )
            elif fate == "cancelled":
                experiment_cancel(
                    experiment=experiment,
                    by=users[experiment.owner.username],
                    reason=texts.cancel_reason,
                )
            elif fate == "exception":
                question = question_ask(
                    experiment=experiment,
                    by=users["sergey"],
                    text=texts.question,
                )
                question_answer(
                    question=question,
                    by=users["maria"],
                    text=texts.answer,
                )
            elif fate == "running" and experiment.utm_campaign == "search_competitors":
                question_ask(
                    experiment=experiment,
                    by=users["fedor"],
                    text=texts.founder_question,
                )

    def _users(self) -> dict:
        User = get_user_model()
        users = {}
        for username, group in USERS:
            first, _, last = self.texts.names[username].partition(" ")
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "email": f"{username}@demo.example"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_staff = user.is_superuser = group is None
                user.save()
            if group:
                user.groups.add(Group.objects.get(name=group))
            users[username] = user
        return users

    def _activity(self, rng: random.Random, experiments: list, today: dt.date) -> tuple[list[dict], list[dict]]:
        """Deterministic CRM history: leads with a funnel, purchases and churn; daily spend."""
        tz = timezone.get_current_timezone()
        leads: list[dict] = []
        spend: list[dict] = []
        serial = 0
        for experiment, fate, share, per_day in experiments:
            if fate == "draft" or per_day == 0:
                continue
            last_day = min(experiment.ends_on, today + dt.timedelta(days=1))
            day = experiment.start_date
            while day < last_day:
                for _ in range(max(0, int(rng.gauss(per_day, per_day / 3)))):
                    serial += 1
                    created = dt.datetime.combine(day, dt.time(rng.randint(8, 20), rng.randint(0, 59)), tz)
                    if created > timezone.now():
                        continue
                    leads.append(self._lead(rng, serial, experiment.utm_campaign, created, share))
                spend.append(
                    {
                        "experiment": experiment.id,
                        "date": day.isoformat(),
                        "amount": f"{rng.uniform(8000, 30000):.2f}",
                        "kind": "marketing",
                        "visits": rng.randint(80, 600),
                    }
                )
                if day.weekday() == 0:
                    spend.append(
                        {
                            "experiment": experiment.id,
                            "date": day.isoformat(),
                            "amount": f"{rng.uniform(20000, 60000):.2f}",
                            "kind": "sales",
                        }
                    )
                day += dt.timedelta(days=1)
        # Leads from other sources, outside any experiment: the scoreboard counts them too.
        for _ in range(3500):
            serial += 1
            created = timezone.now() - dt.timedelta(days=rng.uniform(0, 90))
            leads.append(self._lead(rng, serial, rng.choice(["", "newsletter", "direct"]), created, 0.3))
        return leads, spend

    def _lead(self, rng: random.Random, serial: int, utm: str, created: dt.datetime, share: float) -> dict:
        now = timezone.now()
        row: dict = {"external_id": f"crm-{serial:06d}", "created_at": created.isoformat(), "utm_campaign": utm}
        age_days = (now - created).days
        if age_days >= 2 or rng.random() < 0.5:
            non_target = rng.random() < share
            row["is_target"] = not non_target
            if non_target:
                row["disqualify_reason"] = rng.choice(self.texts.disqualify_reasons)
                return row
        else:
            return row  # not judged yet
        step = created
        for field, chance in (("mql_at", 0.75), ("sql_at", 0.55), ("won_at", 0.45)):
            step = step + dt.timedelta(hours=rng.uniform(4, 24 * 6))
            if step > now or rng.random() > chance:
                return row
            row[field] = step.isoformat()
        row["revenue"] = f"{rng.choice([15_000, 30_000, 60_000, 120_000]) * rng.uniform(0.8, 1.2):.2f}"
        row["orders"] = rng.choice([1, 1, 1, 2, 3])
        row["customer_id"] = f"cust-{serial:06d}"
        churn_at = step + dt.timedelta(days=rng.uniform(10, 60))
        if churn_at < now and rng.random() < 0.2:
            row["churned_at"] = churn_at.isoformat()
            row["churn_reason"] = rng.choice(self.texts.churn_reasons)
        return row
