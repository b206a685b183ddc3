"""amoCRM's and Bitrix24's exports of a lead set, as they write them (docs/imports.md)."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from tests.metrics.export_formats import (
    BITRIX,
    BITRIX_HTML,
    RU,
    Cell,
    Table,
    codec_name,
    write_csv,
    write_html,
    write_xlsx,
)
from tests.metrics.export_model import Carries, Export, Lead, check, lead_level, local_time, reasons_of, stages_of

AMOCRM_CARRIES = Carries()
BITRIX24_LEADS_CARRIES = Carries(
    levels=frozenset({"new", "non_target", "mql", "sql"}),  # a lead is won as a deal
    won_date=None,
    revenue=False,
)
BITRIX24_DEALS_CARRIES = Carries(won_date="date")


AMO_STAGES = {"new": "Первичный контакт", "mql": "Квалификация", "sql": "Переговоры", "won": "Успешно реализовано"}
AMO_LOST = "Закрыто и не реализовано"
AMO_HEADERS = [
    "ID",
    "Название сделки",
    "Бюджет",
    "Ответственный",
    "Дата создания сделки",
    "Кем создана сделка",
    "Дата закрытия",
    "Теги",
    "Примечание",
    "Этап сделки",
    "Воронка",
    "Полное имя контакта",
    "Рабочий телефон (контакт)",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "Причина отказа",
    "utm_campaign",  # amoCRM writes the contact's utm fields after the deal's
]


def _amocrm_table(leads: Sequence[Lead]) -> tuple[Table, dict[str, str], dict[str, str]]:
    table = Table(AMO_HEADERS)
    reasons = reasons_of(leads)
    written: list[tuple[str, str]] = []
    for index, lead in enumerate(leads):
        level = lead_level(lead)
        created = local_time(lead["created_at"])
        stage, reason, budget = AMO_STAGES.get(level, AMO_LOST), "", Decimal(0)
        closed: Cell = "не закрыта"
        if level == "non_target":
            reason, closed = lead["disqualify_reason"], created + dt.timedelta(days=1)
        elif level == "mql" and index % 2 and "Дорого" not in reasons:
            # A deal lost after qualification: the preset's lost stage at the level it reached.
            stage, reason, closed = AMO_LOST, "Дорого", created + dt.timedelta(hours=5)
        elif level == "sql":
            budget = Decimal("15000")  # the planned budget of an open deal is no revenue
        elif level == "won":
            closed, budget = local_time(lead["won_at"]), lead.get("revenue") or Decimal(0)
        written.append((stage, level))
        utm = lead.get("utm_campaign") or ""
        deal_utm, contact_utm = [(utm, ""), ("", utm), (utm, utm)][index % 3]
        note = 'Звонок 1: "перезвонить";\nЗвонок 2: отказ' if index % 4 == 1 else ""
        table.rows.append(
            [
                lead["external_id"],
                f"ООО «Ромашка»; сделка #{index}",
                budget,
                "Ирина Петрова",
                created,
                "Робот",
                closed,
                "партнёры, декабрь" if index % 2 else "",
                note,
                stage,
                "Продажи",
                "Пётр Сидоров",
                "+7 (999) 123-45-67",
                "partner",
                "email",
                deal_utm,
                reason,
                contact_utm,
            ]
        )
    stages = stages_of((stage, level) for stage, level in written if level != "non_target")
    stages.setdefault(AMO_LOST, "mql")
    return table, stages, reasons


def amocrm(leads: Sequence[Lead], *, encoding: str = "cp1251") -> Export:
    """amoCRM's deals export: Windows-1251, `;`, `01.12.2026 09:05`, budgets `12 500,50`, junk marked
    by the loss reason of the closed stage, `Дата закрытия` = `не закрыта` while open."""
    check("amoCRM", AMOCRM_CARRIES, leads)
    table, stages, reasons = _amocrm_table(leads)
    data = write_csv(table, RU, encoding=encoding, delimiter=";")
    return Export(data, "amocrm_export.csv", "amocrm", "csv", codec_name(encoding), ";", stages=stages, reasons=reasons)


def amocrm_xlsx(leads: Sequence[Lead]) -> Export:
    check("amoCRM", AMOCRM_CARRIES, leads)
    table, stages, reasons = _amocrm_table(leads)
    for row in table.rows:
        key = str(row[0])  # a number cell where Excel would make one of the ID
        row[0] = int(key) if key.isdigit() and not key.startswith("0") else key
    return Export(
        write_xlsx(table, "Сделки"), "amocrm_export.xlsx", "amocrm", "xlsx", None, None, stages=stages, reasons=reasons
    )


BITRIX_LEAD_STAGES = {
    "new": "Не обработан",
    "mql": "В работе",
    "sql": "Качественный лид",
    "non_target": "Некачественный лид",
}
BITRIX_LEAD_HEADERS = [
    "ID",
    "Название лида",
    "Имя",
    "Фамилия",
    "Статус",
    "Дополнительно о статусе",
    "Источник",
    "Сумма",
    "Валюта",
    "Ответственный",
    "Дата создания",
    "Дата изменения",
    "UTM Source",
    "UTM Medium",
    "UTM Campaign",
    "Комментарий",
]


def _bitrix24_leads_table(leads: Sequence[Lead]) -> tuple[Table, dict[str, str]]:
    table = Table(BITRIX_LEAD_HEADERS)
    for index, lead in enumerate(leads):
        level = lead_level(lead)
        created = local_time(lead["created_at"])
        table.rows.append(
            [
                lead["external_id"],
                f"Заявка с сайта #{index}",
                "Анна",
                "Ёлкина",
                BITRIX_LEAD_STAGES[level],
                lead.get("disqualify_reason") or "",
                "Веб-сайт",
                Decimal("5000") if level == "sql" else "",  # an expected amount is no revenue
                "RUB",
                "Иван Иванов",
                created,
                created + dt.timedelta(hours=2),
                "partner",
                "email",
                lead.get("utm_campaign") or "",
                "Перезвонить\nпосле 15:00" if index % 3 == 2 else "",
            ]
        )
    used = {lead_level(lead) for lead in leads}
    return table, {stage: level for level, stage in BITRIX_LEAD_STAGES.items() if level in used}


def bitrix24_leads(leads: Sequence[Lead], *, encoding: str = "cp1251") -> Export:
    """Bitrix24's leads CSV: every cell quoted, `;` after every cell, the last one too."""
    check("Bitrix24 leads", BITRIX24_LEADS_CARRIES, leads)
    table, stages = _bitrix24_leads_table(leads)
    data = write_csv(table, BITRIX, encoding=encoding, delimiter=";", quote_all=True, trailing=True)
    return Export(data, "LEAD.csv", "bitrix24", "csv", codec_name(encoding), ";", stages=stages)


def bitrix24_leads_html(leads: Sequence[Lead], *, charset: str = "windows-1251") -> Export:
    check("Bitrix24 leads", BITRIX24_LEADS_CARRIES, leads)
    table, stages = _bitrix24_leads_table(leads)
    data = write_html(table, BITRIX_HTML, charset=charset)
    return Export(data, "LEAD.xls", "bitrix24", "html", codec_name(charset), None, stages=stages)


BITRIX_DEAL_STAGES = {
    "new": "Новая",
    "mql": "Подготовка документов",
    "sql": "Счёт на предоплату",
    "won": "Сделка успешна",
}
BITRIX_DEAL_HEADERS = [
    "ID",
    "Название сделки",
    "Воронка",
    "Стадия сделки",
    "Сумма",
    "Валюта",
    "Ответственный",
    "Дата создания",
    "Предполагаемая дата закрытия",
    "Контакт",
    "Компания",
    "UTM Source",
    "UTM Medium",
    "UTM Campaign",
    "Комментарий",
]


def _bitrix24_deals_table(leads: Sequence[Lead]) -> tuple[Table, dict[str, str]]:
    table = Table(BITRIX_DEAL_HEADERS)
    written: list[tuple[str, str]] = []
    for index, lead in enumerate(leads):
        level = lead_level(lead)
        created = local_time(lead["created_at"])
        # Deals have no reason column: junk goes to a failure stage the account named by its reason.
        stage = lead["disqualify_reason"] if level == "non_target" else BITRIX_DEAL_STAGES[level]
        if level == "mql" and index % 2:
            stage = "Сделка провалена"  # lost after qualification: the preset proposes mql
        written.append((stage, level))
        closing = local_time(lead["won_at"]).date() if level == "won" else created.date() + dt.timedelta(days=7)
        table.rows.append(
            [
                lead["external_id"],
                f"Сделка #{index}",
                "Общая",
                stage,
                lead.get("revenue") if level == "won" else Decimal("7000"),
                "RUB",
                "Иван Иванов",
                created,
                closing,
                "Анна Ёлкина",
                'ИП "Сидоров"',
                "partner",
                "email",
                lead.get("utm_campaign") or "",
                "",
            ]
        )
    return table, stages_of(written)


def bitrix24_deals(leads: Sequence[Lead], *, encoding: str = "utf-8-sig") -> Export:
    check("Bitrix24 deals", BITRIX24_DEALS_CARRIES, leads)
    table, stages = _bitrix24_deals_table(leads)
    data = write_csv(table, BITRIX, encoding=encoding, delimiter=";", quote_all=True, trailing=True)
    return Export(data, "DEAL.csv", "bitrix24", "csv", codec_name(encoding), ";", stages=stages)


def bitrix24_deals_html(leads: Sequence[Lead], *, charset: str = "utf-8") -> Export:
    check("Bitrix24 deals", BITRIX24_DEALS_CARRIES, leads)
    table, stages = _bitrix24_deals_table(leads)
    data = write_html(table, BITRIX_HTML, charset=charset)
    return Export(data, "DEAL.xls", "bitrix24", "html", codec_name(charset), None, stages=stages)
