"""Lead and spend sets written as CRMs and ad cabinets export them (docs/imports.md), for tests.

A lead set is a list of dicts in the tracker's lead fields (`external_id`, `created_at` as an aware
datetime, `utm_campaign`, `is_target`, `disqualify_reason`, `mql_at`, `sql_at`, `won_at`, `revenue`
as a Decimal). Each writer lays the set out in one vendor's real shape (its headers, encoding,
delimiter, date and number formats, its extra columns, title and footer lines) and returns an
`Export`: the file's bytes and the answers a user gives in the preview (stage value → level, reason
→ non_target, ad campaign → utm_campaign) that make the file mean the same leads again.

An export carries a stage, not timestamps, so a lead is written by its funnel level
(`lead_level`) and read back by imports.md's level table: a level reached sets `mql_at` / `sql_at`
to `created_at` and `won_at` to the won-date cell. Writers refuse a lead the vendor's file cannot
carry (`Carries` says what each can); `lead_sets(vendor)` draws only leads that round-trip.

This module is the registry (`VENDORS`, `SPEND_WRITERS`) and the lead sets; the writers live in
`export_amocrm_bitrix24`, `export_hubspot_pipedrive_salesforce` and `export_spend`, the file
formats in `export_formats`, the lead set's model in `export_model`.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from hypothesis import strategies as st

from tests.metrics.export_amocrm_bitrix24 import (
    AMOCRM_CARRIES,
    BITRIX24_DEALS_CARRIES,
    BITRIX24_LEADS_CARRIES,
    amocrm,
    amocrm_xlsx,
    bitrix24_deals,
    bitrix24_deals_html,
    bitrix24_leads,
    bitrix24_leads_html,
)
from tests.metrics.export_formats import ISO, Table, codec_name, write_csv
from tests.metrics.export_hubspot_pipedrive_salesforce import (
    HUBSPOT_CONTACTS_CARRIES,
    HUBSPOT_DEALS_CARRIES,
    PIPEDRIVE_CARRIES,
    SALESFORCE_CARRIES,
    hubspot_contacts,
    hubspot_contacts_xlsx,
    hubspot_deals,
    pipedrive,
    salesforce,
)
from tests.metrics.export_model import (
    JUNK_REASONS,
    LEVELS,
    TARGET,
    Carries,
    Export,
    Lead,
    SpendEntry,
    check,
    json_row,
    lead_level,
    local_time,
    zone,
)
from tests.metrics.export_spend import SPEND_WRITERS, spend_rows, spend_sets

__all__ = [
    "SPEND_WRITERS",
    "VENDORS",
    "Export",
    "Lead",
    "SpendEntry",
    "Vendor",
    "amocrm",
    "amocrm_xlsx",
    "json_row",
    "lead_level",
    "lead_sets",
    "sample_leads",
    "spend_rows",
    "spend_sets",
    "zone",
]


@dataclass(frozen=True)
class Vendor:
    """One way a source writes leads (a writer, with its encoding or format), and what it carries."""

    name: str
    preset: str  # the preset its headers are detected as
    write: Callable[[Sequence[Lead]], Export]
    carries: Carries


TRACKER_CARRIES = Carries(funnel_dates=True)  # every field has its column
TRACKER_HEADERS = ["external_id", "created_at", "utm_campaign", "is_target", "disqualify_reason"]
TRACKER_HEADERS += ["mql_at", "sql_at", "won_at", "revenue"]


def tracker(leads: Sequence[Lead], *, encoding: str = "utf-8", delimiter: str = ",") -> Export:
    """The tracker's own columns (docs/api.md), ISO 8601 with offsets: today's CSV in UTF-8, read by
    metrics.sources in any other encoding or delimiter."""
    check("tracker CSV", TRACKER_CARRIES, leads)
    table = Table(TRACKER_HEADERS)
    for lead in leads:
        row = json_row(lead)
        target = {True: "true", False: "false", None: ""}[lead.get("is_target")]
        table.rows.append([row.get(name) if name != "is_target" else target for name in TRACKER_HEADERS])
    data = write_csv(table, ISO, encoding=encoding, delimiter=delimiter, newline="\n")
    return Export(data, "leads.csv", "tracker", "csv", codec_name(encoding), delimiter)


TRACKER = Vendor("tracker", "tracker", tracker, TRACKER_CARRIES)
AMOCRM = Vendor("amocrm", "amocrm", amocrm, AMOCRM_CARRIES)
BITRIX24_LEADS = Vendor("bitrix24_leads", "bitrix24", bitrix24_leads, BITRIX24_LEADS_CARRIES)
BITRIX24_DEALS = Vendor("bitrix24_deals", "bitrix24", bitrix24_deals, BITRIX24_DEALS_CARRIES)
HUBSPOT_CONTACTS = Vendor("hubspot_contacts", "hubspot", hubspot_contacts, HUBSPOT_CONTACTS_CARRIES)
HUBSPOT_DEALS = Vendor("hubspot_deals", "hubspot", hubspot_deals, HUBSPOT_DEALS_CARRIES)
PIPEDRIVE = Vendor("pipedrive", "pipedrive", pipedrive, PIPEDRIVE_CARRIES)
SALESFORCE = Vendor("salesforce", "salesforce", salesforce, SALESFORCE_CARRIES)


def _variant(base: Vendor, name: str, write: Callable[[Sequence[Lead]], Export]) -> Vendor:
    return Vendor(name, base.preset, write, base.carries)


# Every shape the tests write: each vendor as it exports by default, and the other encodings,
# delimiters and formats people get from them.
VENDORS: tuple[Vendor, ...] = (
    TRACKER,
    _variant(TRACKER, "tracker_utf16_tab", partial(tracker, encoding="utf-16", delimiter="\t")),
    _variant(TRACKER, "tracker_cp1251_semicolon", partial(tracker, encoding="cp1251", delimiter=";")),
    AMOCRM,
    _variant(AMOCRM, "amocrm_utf8_bom", partial(amocrm, encoding="utf-8-sig")),
    _variant(AMOCRM, "amocrm_xlsx", amocrm_xlsx),
    BITRIX24_LEADS,
    _variant(BITRIX24_LEADS, "bitrix24_leads_html", bitrix24_leads_html),
    BITRIX24_DEALS,
    _variant(BITRIX24_DEALS, "bitrix24_deals_cp1251", partial(bitrix24_deals, encoding="cp1251")),
    _variant(BITRIX24_DEALS, "bitrix24_deals_html", bitrix24_deals_html),
    HUBSPOT_CONTACTS,
    _variant(HUBSPOT_CONTACTS, "hubspot_contacts_xlsx", hubspot_contacts_xlsx),
    HUBSPOT_DEALS,
    _variant(HUBSPOT_DEALS, "hubspot_deals_utf16_tab", partial(hubspot_deals, encoding="utf-16", delimiter="\t")),
    PIPEDRIVE,
    _variant(PIPEDRIVE, "pipedrive_utf8_bom", partial(pipedrive, encoding="utf-8-sig")),
    SALESFORCE,
)
BY_NAME = {vendor.name: vendor for vendor in VENDORS}


# --- sets that round-trip -------------------------------------------------------------------------


def _start() -> dt.datetime:
    return dt.datetime(2026, 12, 1, tzinfo=zone())


CAMPAIGNS = ("partner_dec", "Partner_Dec", "", 'promo "зима"; 2026, часть 1', "webinar")


def sample_leads(vendor: Vendor) -> list[Lead]:
    """A small fixed set with every level the vendor can write, twice, and the awkward values."""
    leads: list[Lead] = []
    for index, level in enumerate([lvl for lvl in LEVELS if lvl in vendor.carries.levels] * 2):
        created = _start() + dt.timedelta(days=index % 5, hours=9 + index, minutes=5 * index)
        leads.append(_lead(vendor, f"{1000 + index}", created, CAMPAIGNS[index % len(CAMPAIGNS)], level, index))
    return leads


def _lead(vendor: Vendor, external_id: str, created: dt.datetime, utm: str, level: str, seed: int) -> Lead:
    lead: Lead = {"external_id": external_id, "created_at": created, "utm_campaign": utm, "is_target": TARGET[level]}
    if level == "non_target":
        lead["disqualify_reason"] = JUNK_REASONS[seed % len(JUNK_REASONS)]
    reached = LEVELS.index(level) - 1
    if reached >= 1:
        lead["mql_at"] = created
    if reached >= 2:
        lead["sql_at"] = created
    if level == "won":
        lead["won_at"] = _won_at(vendor, created, seed)
        if vendor.carries.revenue:
            lead["revenue"] = Decimal(12500 + 1000 * seed) + Decimal("0.50") * (seed % 2)
    return lead


def _won_at(vendor: Vendor, created: dt.datetime, offset: int) -> dt.datetime:
    if vendor.carries.won_date is None:
        return created
    if vendor.carries.won_date == "date":
        day = local_time(created).date() + dt.timedelta(days=1 + offset % 3)
        return dt.datetime.combine(day, dt.time(), zone())
    return created + dt.timedelta(minutes=offset * 97)


# Text as people type it in a CRM, with what trips a reader: delimiters, quotes, markup, Cyrillic.
# (Not `ё`, `«`, `№`: in Windows-1251 they are bytes that continue a UTF-8 character, and a tiny
# file of ASCII headers whose only other bytes spell valid UTF-8 is UTF-8 to any reader. The
# written samples carry them.)
_AWKWARD = "abcXYZжЖ 0123-_;,\t\"'./&<>"
_NONE = frozenset({"", "-", "n/a", "none", "null", "(none)"})


def _typed(text: str) -> bool:
    # Cells are read trimmed, and a few words mean "no value"; a tab is a control character.
    return text == text.strip() and "\t" not in text and text.casefold() not in _NONE


TYPED_TEXT = st.text(_AWKWARD, max_size=20).filter(_typed)
EXTERNAL_IDS = st.one_of(st.integers(1, 10**9).map(str), TYPED_TEXT.filter(bool))


@st.composite
def lead_sets(draw: st.DrawFn, vendor: Vendor, *, max_size: int = 12) -> list[Lead]:
    """Random lead sets the vendor's file carries faithfully."""
    size = draw(st.integers(0, max_size))
    ids = draw(st.lists(EXTERNAL_IDS, min_size=size, max_size=size, unique=True))
    levels = sorted(vendor.carries.levels)
    leads: list[Lead] = []
    for external_id in ids:
        created = _start() + dt.timedelta(minutes=draw(st.integers(0, 60 * 24 * 40)))
        level = draw(st.sampled_from(levels))
        utm = draw(st.one_of(st.just("partner_dec"), st.sampled_from(CAMPAIGNS), TYPED_TEXT))
        lead = _lead(vendor, external_id, created, utm, level, 0)
        if level == "non_target":
            lead["disqualify_reason"] = draw(st.sampled_from(JUNK_REASONS))
        if level == "won":
            lead["won_at"] = _won_at(vendor, created, draw(st.integers(0, 60 * 24 * 3)))
            if vendor.carries.revenue:
                lead["revenue"] = Decimal(draw(st.integers(0, 10**9))) / 100
        if vendor.carries.funnel_dates:
            for name in ("mql_at", "sql_at"):
                if name in lead and draw(st.booleans()):
                    lead[name] = created + dt.timedelta(minutes=draw(st.integers(1, 60 * 24 * 10)))
        leads.append(lead)
    return leads
