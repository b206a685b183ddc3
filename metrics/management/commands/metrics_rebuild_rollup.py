"""Recompute the daily lead roll-up from the leads (all keys, or the given campaigns)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from metrics.rows import utm_key
from metrics.services.rollup import leaddays_rebuild


class Command(BaseCommand):
    help = "Recompute the daily lead roll-up from the lead table, to repair drift."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("campaigns", nargs="*", help="utm_campaign values to rebuild (default: all)")

    def handle(self, *args: Any, campaigns: list[str], **options: Any) -> None:
        keys = [utm_key(c) for c in campaigns] if campaigns else None
        rows = leaddays_rebuild(keys=keys)
        self.stdout.write(f"Rebuilt {rows} daily roll-up rows.")
