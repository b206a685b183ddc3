"""HubSpot's, Pipedrive's and Salesforce's exports of a lead set, as they write them (docs/imports.md)."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from tests.metrics.export_formats import ISO, ISO_SECONDS, US, Table, codec_name, write_csv, write_xlsx
from tests.metrics.export_model import Carries, Export, Lead, check, lead_level, local_time, reasons_of, stages_of

HUBSPOT_CONTACTS_CARRIES = Carries(
    levels=frozenset({"new", "mql", "sql", "won"}),  # a contact carries no loss reason
    revenue=False,
    funnel_dates=True,
)
HUBSPOT_DEALS_CARRIES = Carries()
PIPEDRIVE_CARRIES = Carries(levels=frozenset({"non_target", "mql", "won"}))
SALESFORCE_CARRIES = Carries(won_date="date")


HUBSPOT_LIFECYCLE = {
    "new": "Lead",
    "mql": "Marketing Qualified Lead",
    "sql": "Sales Qualified Lead",
    "won": "Customer",
}
HUBSPOT_CONTACT_HEADERS = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Lifecycle Stage",
    "Lead Status",
    "Create Date",
    "Became a Marketing Qualified Lead Date",
    "Became a Sales Qualified Lead Date",
    "Became a Customer Date",
    "utm_campaign",
    "Associated Company",
]


def _hubspot_contacts_table(leads: Sequence[Lead]) -> tuple[Table, dict[str, str]]:
    table = Table(HUBSPOT_CONTACT_HEADERS)
    for index, lead in enumerate(leads):
        level = lead_level(lead)

        def moment(name: str, lead: Lead = lead) -> dt.datetime | str:
            return local_time(lead[name]) if lead.get(name) else ""

        table.rows.append(
            [
                lead["external_id"],
                "Mary",
                "O'Neil" if index % 2 else "Smith, Jr.",
                f"mary{index}@example.com",
                HUBSPOT_LIFECYCLE[level],
                "Open" if level == "new" else "Connected",
                local_time(lead["created_at"]),
                moment("mql_at"),
                moment("sql_at"),
                moment("won_at"),
                lead.get("utm_campaign") or "",
                'Acme "West", Inc.',
            ]
        )
    used = {lead_level(lead) for lead in leads}
    return table, {stage: level for level, stage in HUBSPOT_LIFECYCLE.items() if level in used}


def hubspot_contacts(leads: Sequence[Lead], *, encoding: str = "utf-8", delimiter: str = ",") -> Export:
    """HubSpot's contacts export: lifecycle stage labels, `2026-12-01 09:05`, and the dates each
    lifecycle stage was reached (read as mql_at / sql_at / won_at as they are)."""
    check("HubSpot contacts", HUBSPOT_CONTACTS_CARRIES, leads)
    table, stages = _hubspot_contacts_table(leads)
    data = write_csv(table, ISO, encoding=encoding, delimiter=delimiter, newline="\n")
    return Export(
        data, "hubspot-crm-exports-contacts.csv", "hubspot", "csv", codec_name(encoding), delimiter, stages=stages
    )


def hubspot_contacts_xlsx(leads: Sequence[Lead]) -> Export:
    check("HubSpot contacts", HUBSPOT_CONTACTS_CARRIES, leads)
    table, stages = _hubspot_contacts_table(leads)
    return Export(
        write_xlsx(table, "Contacts"), "hubspot-crm-exports-contacts.xlsx", "hubspot", "xlsx", None, None, stages=stages
    )


HUBSPOT_DEAL_STAGES = {
    "new": "Appointment Scheduled",
    "mql": "Qualified To Buy",
    "sql": "Decision Maker Bought-In",
    "won": "Closed Won",
}
HUBSPOT_DEAL_HEADERS = [
    "Record ID",
    "Deal Name",
    "Pipeline",
    "Deal Stage",
    "Amount",
    "Close Date",
    "Create Date",
    "Deal owner",
    "Closed Lost Reason",
    "utm_campaign",
]


def hubspot_deals(leads: Sequence[Lead], *, encoding: str = "utf-8", delimiter: str = ",") -> Export:
    check("HubSpot deals", HUBSPOT_DEALS_CARRIES, leads)
    table = Table(HUBSPOT_DEAL_HEADERS)
    reasons = reasons_of(leads)
    written: list[tuple[str, str]] = []
    for index, lead in enumerate(leads):
        level = lead_level(lead)
        created = local_time(lead["created_at"])
        stage, reason = HUBSPOT_DEAL_STAGES.get(level, "Closed Lost"), lead.get("disqualify_reason") or ""
        if level == "mql" and index % 2 and "Bad timing" not in reasons:
            stage, reason = "Closed Lost", "Bad timing"
        if level != "non_target":
            written.append((stage, level))
        closing = local_time(lead["won_at"]) if level == "won" else created + dt.timedelta(days=30)
        table.rows.append(
            [
                lead["external_id"],
                f"Deal {index}, renewal",
                "Sales Pipeline",
                stage,
                lead.get("revenue") if level == "won" else Decimal("1200"),
                closing,
                created,
                "Jane Doe",
                reason,
                lead.get("utm_campaign") or "",
            ]
        )
    stages = stages_of(written)
    stages.setdefault("Closed Lost", "mql")
    data = write_csv(table, ISO, encoding=encoding, delimiter=delimiter, newline="\n")
    return Export(
        data,
        "hubspot-crm-exports-deals.csv",
        "hubspot",
        "csv",
        codec_name(encoding),
        delimiter,
        stages=stages,
        reasons=reasons,
    )


PIPEDRIVE_PIPELINE = {"non_target": "Qualified", "mql": "Contact Made", "won": "Negotiations Started"}
PIPEDRIVE_HEADERS = [
    "Deal - ID",
    "Deal - Title",
    "Deal - Creator",
    "Deal - Owner",
    "Deal - Value",
    "Deal - Currency of Value",
    "Deal - Probability",
    "Deal - Organization",
    "Deal - Pipeline",
    "Deal - Contact person",
    "Deal - Stage",
    "Deal - Status",
    "Deal - Deal created",
    "Deal - Update time",
    "Deal - Won time",
    "Deal - Lost time",
    "Deal - Lost reason",
    "Deal - Expected close date",
    "Deal - utm_campaign",
]


def pipedrive(leads: Sequence[Lead], *, encoding: str = "utf-8") -> Export:
    """Pipedrive's deals export. Its status (Open / Won / Lost) is the stage the preset reads, so an
    open deal has one level whatever its pipeline stage: open leads are written as mql."""
    check("Pipedrive", PIPEDRIVE_CARRIES, leads)
    table = Table(PIPEDRIVE_HEADERS)
    reasons = reasons_of(leads)
    for index, lead in enumerate(leads):
        level = lead_level(lead)
        created = local_time(lead["created_at"])
        status = {"won": "Won", "non_target": "Lost"}.get(level, "Open" if index % 2 else "Lost")
        lost = created + dt.timedelta(days=2) if status == "Lost" else ""
        reason = lead.get("disqualify_reason") or ("Price too high" if status == "Lost" else "")
        table.rows.append(
            [
                lead["external_id"],
                f"Acme deal {index}",
                "Jane Doe",
                "Jane Doe",
                lead.get("revenue") if level == "won" else Decimal("990"),
                "USD",
                "",
                "Acme, Inc.",
                "Pipeline",
                "John Roe",
                PIPEDRIVE_PIPELINE[level],
                status,
                created,
                created + dt.timedelta(hours=1),
                local_time(lead["won_at"]) if level == "won" else "",
                lost,
                reason,
                (created + dt.timedelta(days=14)).date(),
                lead.get("utm_campaign") or "",
            ]
        )
    stages = {"Open": "mql", "Lost": "mql", "Won": "won"}
    data = write_csv(table, ISO_SECONDS, encoding=encoding, delimiter=",", newline="\n")
    return Export(
        data, "deals-export.csv", "pipedrive", "csv", codec_name(encoding), ",", stages=stages, reasons=reasons
    )


SALESFORCE_STAGES = {"new": "Prospecting", "mql": "Qualification", "sql": "Proposal/Price Quote", "won": "Closed Won"}
SALESFORCE_HEADERS = [
    "Opportunity Owner",
    "Account Name",
    "Opportunity Name",
    "Stage",
    "Probability (%)",
    "Amount",
    "Close Date",
    "Create Date",
    "Primary Campaign Source",
    "Lead Source",
    "Opportunity ID",
]


def salesforce(leads: Sequence[Lead], *, encoding: str = "utf-8") -> Export:
    """A Salesforce opportunity report exported as CSV: every cell quoted, US dates, footer lines."""
    check("Salesforce", SALESFORCE_CARRIES, leads)
    table = Table(SALESFORCE_HEADERS)
    written: list[tuple[str, str]] = []
    for index, lead in enumerate(leads):
        level = lead_level(lead)
        created = local_time(lead["created_at"])
        # No reason column: junk goes to a closed stage the org named by its reason.
        stage = lead["disqualify_reason"] if level == "non_target" else SALESFORCE_STAGES[level]
        if level == "sql" and index % 2:
            stage = "Closed Lost"  # lost after the proposal: the preset proposes sql
        written.append((stage, level))
        closing = local_time(lead["won_at"]).date() if level == "won" else created.date() + dt.timedelta(days=30)
        table.rows.append(
            [
                "Jane Doe",
                "Acme, Inc.",
                f'Acme "Q{index % 4 + 1}" renewal',
                stage,
                "100" if level == "won" else "10",
                lead.get("revenue") if level == "won" else Decimal("25000"),
                closing,
                created,
                lead.get("utm_campaign") or "",
                "Web",
                lead["external_id"],
            ]
        )
    table.footer = [
        "",
        f"Grand Totals ({len(leads)} records)",
        "",
        "Confidential Information - Do Not Distribute",
        "",
        "Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.",
    ]
    data = write_csv(table, US, encoding=encoding, delimiter=",", quote_all=True)
    return Export(data, "report1701.csv", "salesforce", "csv", codec_name(encoding), ",", stages=stages_of(written))
