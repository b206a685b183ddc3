"""The sources we know: their header names (aliases) and value conventions, and the levels they
propose for the stage values they know (imports.md, "Presets"). The user confirms every proposal.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy, pgettext_lazy

from metrics.rows import LEAD_FIELDS
from metrics.sources.values import fold

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LEVELS = ("new", "non_target", "mql", "sql", "won")
# How the pages name the levels (imports.md's level table, "means").
LEVEL_LABELS = {
    "new": pgettext_lazy("funnel level", "Not judged yet"),
    "non_target": pgettext_lazy("funnel level", "Non-target"),
    "mql": pgettext_lazy("funnel level", "MQL"),
    "sql": pgettext_lazy("funnel level", "SQL"),
    "won": pgettext_lazy("funnel level", "Won"),
}
# Lead fields a file may map, beside the lead's own: the CRM stage and the loss reason.
LEAD_SOURCE_FIELDS = (*LEAD_FIELDS, "stage", "reason")
SPEND_SOURCE_FIELDS = ("external_id", "experiment", "utm_campaign", "campaign", "date", "amount", "kind", "visits")
REQUIRED = {"leads": ("external_id", "created_at"), "spend": ("date", "amount")}


@dataclass(frozen=True)
class Preset:
    name: str
    label: "StrOrPromise"  # a brand's name, or words in the reader's language
    kind: str  # "leads" | "spend"
    aliases: dict[str, tuple[str, ...]]
    stages: dict[str, str] = field(default_factory=dict)  # folded stage value -> proposed level
    reasons: dict[str, str] = field(default_factory=dict)  # folded reason value -> "non_target"
    day_first: bool = True  # slashed dates: 01/12/2026 is the 1st of December
    decimal_comma: bool = True  # 12,5 is twelve and a half, not 125

    def header_for(self, field_name: str, headers: list[str]) -> str | None:
        """The first header of the file that is one of the field's aliases."""
        folded = {fold(header): header for header in reversed(headers)}
        for alias in self.aliases.get(field_name, ()):
            if fold(alias) in folded:
                return folded[fold(alias)]
        return None

    def mapping(self, headers: list[str]) -> dict[str, str]:
        return {name: header for name in self.aliases if (header := self.header_for(name, headers))}


def _same(*names: str) -> dict[str, tuple[str, ...]]:
    return {name: (name,) for name in names}


PRESETS: tuple[Preset, ...] = (
    Preset("tracker", gettext_lazy("Experiment Tracker CSV"), "leads", _same(*LEAD_FIELDS)),
    Preset(
        "amocrm",
        "amoCRM / Kommo",
        "leads",
        {
            "external_id": ("ID",),
            "created_at": ("Дата создания сделки", "Дата создания"),
            "utm_campaign": ("utm_campaign",),
            "stage": ("Этап сделки", "Этап"),
            "reason": ("Причина отказа",),
            "won_at": ("Дата закрытия",),
            "revenue": ("Бюджет", "Бюджет сделки"),
        },
        stages={"успешно реализовано": "won", "закрыто и не реализовано": "mql"},
        reasons={"нецелевой": "non_target", "нецелевой лид": "non_target", "спам": "non_target"},
    ),
    Preset(
        "bitrix24",
        gettext_lazy("Bitrix24 (leads or deals)"),
        "leads",
        {
            "external_id": ("ID",),
            "created_at": ("Дата создания",),
            "utm_campaign": ("UTM Campaign", "utm_campaign"),
            "stage": ("Статус", "Стадия сделки", "Стадия"),
            "reason": ("Дополнительно о статусе",),
            "won_at": ("Предполагаемая дата закрытия", "Дата закрытия"),
            "revenue": ("Сумма", "Возможная сумма сделки"),
        },
        stages={
            "не обработан": "new",
            "некачественный лид": "non_target",
            "качественный лид": "sql",
            "сделка успешна": "won",
            "сделка провалена": "mql",
        },
    ),
    Preset(
        "hubspot",
        "HubSpot",
        "leads",
        {
            "external_id": ("Record ID", "Contact ID", "Deal ID"),
            "created_at": ("Create Date", "Create date"),
            "utm_campaign": ("utm_campaign", "UTM Campaign"),
            "stage": ("Lifecycle Stage", "Deal Stage"),
            "reason": ("Closed Lost Reason",),
            "mql_at": ("Became a Marketing Qualified Lead Date",),
            "sql_at": ("Became a Sales Qualified Lead Date",),
            "won_at": ("Became a Customer Date", "Close Date"),
            "revenue": ("Amount",),
        },
        stages={
            "subscriber": "new",
            "lead": "new",
            "marketingqualifiedlead": "mql",
            "marketing qualified lead": "mql",
            "salesqualifiedlead": "sql",
            "sales qualified lead": "sql",
            "opportunity": "sql",
            "customer": "won",
            "evangelist": "won",
            "closed won": "won",
            "closed lost": "mql",
        },
        day_first=False,
        decimal_comma=False,
    ),
    Preset(
        "pipedrive",
        "Pipedrive",
        "leads",
        {
            "external_id": ("Deal - ID",),
            "created_at": ("Deal - Deal created",),
            "utm_campaign": ("Deal - utm_campaign", "Deal - UTM campaign"),
            "stage": ("Deal - Status", "Deal - Stage"),
            "reason": ("Deal - Lost reason",),
            "won_at": ("Deal - Won time",),
            "revenue": ("Deal - Value",),
        },
        stages={"won": "won", "lost": "mql", "open": "mql"},
        decimal_comma=False,
    ),
    Preset(
        "salesforce",
        "Salesforce",
        "leads",
        {
            "external_id": ("Lead ID", "Opportunity ID"),
            "created_at": ("Create Date", "Created Date"),
            "utm_campaign": ("Primary Campaign Source",),
            "stage": ("Lead Status", "Stage"),
            "won_at": ("Close Date",),
            "revenue": ("Amount",),
        },
        stages={
            "open - not contacted": "new",
            "working - contacted": "new",
            "closed - converted": "sql",
            "closed - not converted": "non_target",
            "closed won": "won",
            "closed lost": "sql",
        },
        day_first=False,
        decimal_comma=False,
    ),
    Preset("tracker", gettext_lazy("Experiment Tracker spend CSV"), "spend", _same(*SPEND_SOURCE_FIELDS)),
    Preset(
        "yandex_direct",
        "Yandex Direct",
        "spend",
        {
            "date": ("Дата", "День"),
            "campaign": ("Кампания", "Название кампании", "№ Кампании"),
            "amount": ("Расход (руб.)", "Расход, ₽", "Расход (руб.) (с НДС)", "Расход"),
            "visits": ("Клики", "Визиты"),
        },
    ),
    Preset(
        "vk_ads",
        "VK Ads",
        "spend",
        {
            "date": ("Дата", "День"),
            "campaign": ("Кампания", "Название кампании"),
            "amount": ("Потрачено", "Списания", "Расход"),
            "visits": ("Клики", "Переходы"),
        },
    ),
    Preset(
        "google_ads",
        "Google Ads",
        "spend",
        {
            "date": ("Day", "Date"),
            "campaign": ("Campaign",),
            "amount": ("Cost",),
            "visits": ("Clicks",),
        },
        day_first=False,
        decimal_comma=False,
    ),
)
# A preset by its kind and name: `tracker` names one of each kind.
BY_KIND = {(preset.kind, preset.name): preset for preset in PRESETS}
BY_NAME = {preset.name: preset for preset in PRESETS if preset.kind == "leads"}  # the lead presets


def preset_detect(headers: list[str], *, kind: str) -> Preset:
    """The preset of this kind whose aliases name the most of the file's headers, with its required
    fields found; `tracker` (today's column set) when none fits better."""
    candidates = [preset for preset in PRESETS if preset.kind == kind]
    fitting = [p for p in candidates if all(p.header_for(name, headers) for name in REQUIRED[kind])]
    if not fitting:
        return candidates[0]
    return max(fitting, key=lambda preset: len(preset.mapping(headers)))


def level_proposal(preset: Preset, value: str) -> str | None:
    return preset.stages.get(fold(value))


def reason_proposal(preset: Preset, value: str) -> str | None:
    return preset.reasons.get(fold(value))
