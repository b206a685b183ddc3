"""Ad cabinets' spend reports of a spend set (Yandex Direct, VK Ads, Google Ads), as they write them,
and the tracker's spend rows each reads as (docs/imports.md, "Spend files")."""

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial

from hypothesis import strategies as st

from tests.metrics.export_formats import ISO, RU, Table, codec_name, ru_money, write_csv, write_xlsx
from tests.metrics.export_model import Export, SpendEntry


def spend_rows(spend: Sequence[SpendEntry]) -> list[dict[str, str]]:
    """The tracker's spend rows a cabinet's report of `spend` reads as (imports.md: without an
    external_id a row's key is its date, campaign and kind)."""
    return [
        {
            "date": entry["date"].isoformat(),
            "amount": f"{entry['amount']:.2f}",
            "visits": str(entry["visits"]),
            "utm_campaign": entry["utm_campaign"],
            "kind": "marketing",
            "external_id": f"{entry['date'].isoformat()}|{entry['campaign']}|marketing",
        }
        for entry in spend
    ]


def _campaigns(spend: Sequence[SpendEntry]) -> dict[str, str]:
    return {e["campaign"]: e["utm_campaign"] for e in spend if e["campaign"] != e["utm_campaign"]}


def _period(spend: Sequence[SpendEntry]) -> tuple[dt.date, dt.date]:
    days = [entry["date"] for entry in spend] or [dt.date(2026, 12, 1)]
    return min(days), max(days)


def yandex_direct(spend: Sequence[SpendEntry], *, encoding: str = "utf-8-sig") -> Export:
    """The report wizard's TSV: a title line with the period, the header, days, an `Итого` row."""
    first, last = _period(spend)
    table = Table(
        ["Дата", "Кампания", "№ Кампании", "Показы", "Клики", "CTR (%)", "Расход (руб.)", "Ср. цена клика (руб.)"],
        title=[f"Статистика по дням ({first:%d.%m.%Y} - {last:%d.%m.%Y})"],
    )
    for index, entry in enumerate(spend):
        clicks = entry["visits"]
        cpc = ru_money((entry["amount"] / clicks).quantize(Decimal("0.01")), cents=True) if clicks else "-"
        cost = ru_money(entry["amount"], space="\u00a0", cents=True)
        table.rows.append(
            [entry["date"], entry["campaign"], str(70000 + index), str(clicks * 20), str(clicks), "5,00", cost, cpc]
        )
    total = sum((entry["amount"] for entry in spend), Decimal(0))
    table.rows.append(["Итого", "", "", "", str(sum(e["visits"] for e in spend)), "", ru_money(total), ""])
    data = write_csv(table, RU, encoding=encoding, delimiter="\t")
    return Export(
        data, "report.tsv", "yandex_direct", "csv", codec_name(encoding), "\t", "spend", campaigns=_campaigns(spend)
    )


def yandex_direct_xlsx(spend: Sequence[SpendEntry]) -> Export:
    """The report wizard's Excel download: the same layout, dates as date cells, numbers as numbers."""
    first, last = _period(spend)
    table = Table(
        ["Дата", "Кампания", "№ Кампании", "Показы", "Клики", "Расход (руб.)"],
        title=[f"Статистика по дням ({first:%d.%m.%Y} - {last:%d.%m.%Y})"],
    )
    for index, entry in enumerate(spend):
        clicks = entry["visits"]
        table.rows.append([entry["date"], entry["campaign"], 70000 + index, clicks * 20, clicks, entry["amount"]])
    total = sum((entry["amount"] for entry in spend), Decimal(0))
    table.rows.append(["Итого", "", None, None, sum(e["visits"] for e in spend), total])
    return Export(
        write_xlsx(table, "Отчёт"),
        "report.xlsx",
        "yandex_direct",
        "xlsx",
        None,
        None,
        "spend",
        campaigns=_campaigns(spend),
    )


def vk_ads(spend: Sequence[SpendEntry], *, encoding: str = "utf-8") -> Export:
    table = Table(["Дата", "Кампания", "ID кампании", "Показы", "Клики", "Потрачено", "CTR", "eCPC"])
    for index, entry in enumerate(spend):
        clicks, cost = str(entry["visits"]), f"{entry['amount']:.2f}"
        table.rows.append(
            [entry["date"], entry["campaign"], str(5000 + index), clicks + "0", clicks, cost, "3.33%", ""]
        )
    total = sum((entry["amount"] for entry in spend), Decimal(0))
    table.rows.append(["Итого", "", "", "", str(sum(e["visits"] for e in spend)), f"{total:.2f}", "", ""])
    data = write_csv(table, RU, encoding=encoding, delimiter=",")
    return Export(
        data, "vk_ads_statistics.csv", "vk_ads", "csv", codec_name(encoding), ",", "spend", campaigns=_campaigns(spend)
    )


def google_ads(spend: Sequence[SpendEntry], *, encoding: str = "utf-16", delimiter: str = "\t") -> Export:
    """A Google Ads report download: a title, the period (commas inside: quoted in a CSV), the
    header, days with `1,234` clicks and `1,500.40` costs, and `Total: …` rows."""
    first, last = _period(spend)
    table = Table(
        ["Day", "Campaign", "Campaign status", "Clicks", "Impr.", "Currency code", "Cost"],
        title=["Campaign report", f"{first:%B} {first.day}, {first.year} - {last:%B} {last.day}, {last.year}"],
    )
    for entry in spend:
        cost = f"{entry['amount']:,.2f}"
        table.rows.append(
            [
                entry["date"],
                entry["campaign"],
                "Enabled",
                f"{entry['visits']:,}",
                f"{entry['visits'] * 40:,}",
                "RUB",
                cost,
            ]
        )
    total = sum((entry["amount"] for entry in spend), Decimal(0))
    for label in ("Total: Account", "Total: Search", "Total: Campaigns"):
        table.rows.append([label, "--", "--", f"{sum(e['visits'] for e in spend):,}", "--", "RUB", f"{total:,.2f}"])
    data = write_csv(table, ISO, encoding=encoding, delimiter=delimiter)
    return Export(
        data,
        "Campaign report.csv",
        "google_ads",
        "csv",
        codec_name(encoding),
        delimiter,
        "spend",
        campaigns=_campaigns(spend),
    )


SPEND_WRITERS: dict[str, Callable[[Sequence[SpendEntry]], Export]] = {
    "yandex_direct": yandex_direct,
    "yandex_direct_utf16": partial(yandex_direct, encoding="utf-16"),
    "yandex_direct_xlsx": yandex_direct_xlsx,
    "vk_ads": vk_ads,
    "google_ads": google_ads,
    "google_ads_csv": partial(google_ads, encoding="utf-8", delimiter=","),
}


@st.composite
def spend_sets(draw: st.DrawFn, *, max_size: int = 8) -> list[SpendEntry]:
    names = {"partner_dec": "Партнёрская рассылка — декабрь", "webinar": "webinar", "brand": "Бренд, поиск"}
    keys = draw(
        st.lists(
            st.tuples(st.integers(0, 30), st.sampled_from(sorted(names))),
            max_size=max_size,
            unique=True,
        )
    )
    return [
        {
            "date": dt.date(2026, 12, 1) + dt.timedelta(days=day),
            "campaign": names[utm],
            "utm_campaign": utm,
            "amount": Decimal(draw(st.integers(0, 10**8))) / 100,
            "visits": draw(st.integers(0, 5000)),
        }
        for day, utm in keys
    ]
