"""metrics.md computed the slow, obvious way in plain Python, to check the SQL path against.

Written from the specification, not from `metrics.formulas`: leads and spend are plain dicts with
Python values (aware datetimes, Decimals), every count a loop.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo


def _ratio(num, den):
    return None if den == 0 else float(Fraction(num) / Fraction(den))


def _money_ratio(num: Decimal, den) -> str | None:
    if den == 0:
        return None
    return str((num / Decimal(den)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def in_cohort(lead: dict, *, utm: str, start: dt.date, ends_on: dt.date, tz: str) -> bool:
    if (lead.get("utm_campaign") or "").strip().casefold() != utm.strip().casefold():
        return False
    local_date = lead["created_at"].astimezone(ZoneInfo(tz)).date()
    return start <= local_date < ends_on


def metrics(leads: list[dict], spend: list[dict], *, churn_base: int | None = None) -> dict:
    customers = [x for x in leads if x.get("won_at") is not None]
    churned = [x for x in customers if x.get("churned_at") is not None]
    mql = sum(1 for x in leads if x.get("mql_at") is not None)
    sql = sum(1 for x in leads if x.get("sql_at") is not None)
    sql_customers = sum(1 for x in customers if x.get("sql_at") is not None)
    orders = sum(x.get("orders") if x.get("orders") is not None else 1 for x in customers)
    revenue = sum((x.get("revenue") or Decimal(0) for x in customers), Decimal("0.00"))
    judged = sum(1 for x in leads if x.get("is_target") is not None)
    non_target = sum(1 for x in leads if x.get("is_target") is False)
    marketing = sum((s["amount"] for s in spend if s["kind"] == "marketing"), Decimal("0.00"))
    sales = sum((s["amount"] for s in spend if s["kind"] == "sales"), Decimal("0.00"))
    visits = sum(s.get("visits") or 0 for s in spend)
    reasons: dict[str, int] = {}
    for x in churned:
        reason = (x.get("churn_reason") or "").strip() or "unspecified"
        reasons[reason] = reasons.get(reason, 0) + 1
    non_target_reasons: dict[str, int] = {}
    for x in leads:
        if x.get("is_target") is False:
            reason = (x.get("disqualify_reason") or "").strip() or "unspecified"
            non_target_reasons[reason] = non_target_reasons.get(reason, 0) + 1
    base = len(customers) if churn_base is None else churn_base
    return {
        "leads_total": len(leads),
        "judged_leads": judged,
        "non_target_leads": non_target,
        "mql": mql,
        "sql": sql,
        "customers": len(customers),
        "sql_customers": sql_customers,
        "orders": orders,
        "visits": visits,
        "churned_customers": len(churned),
        "revenue": str(revenue.quantize(Decimal("0.01"))),
        "marketing_spend": str(marketing.quantize(Decimal("0.01"))),
        "sales_spend": str(sales.quantize(Decimal("0.01"))),
        "non_target_share": _ratio(non_target, judged),
        "cr_mql_sql": _ratio(sql, mql),
        "cr_sql_customer": _ratio(sql_customers, sql),
        "cpl": _money_ratio(marketing, len(leads)),
        "cac": _money_ratio(marketing, len(customers)),
        "cac_full": _money_ratio(marketing + sales, len(customers)),
        "lcr": _ratio(sql, len(leads)),
        "cr_overall": _ratio(len(customers), len(leads)),
        "cr_visit_customer": _ratio(len(customers), visits),
        "aov": _money_ratio(revenue, orders),
        "churn_rate": _ratio(len(churned), base),
        "churn_reasons": dict(sorted(reasons.items())),
        "non_target_reasons": dict(sorted(non_target_reasons.items(), key=lambda item: (-item[1], item[0]))),
        "romi": _ratio(revenue - marketing, marketing) if marketing else None,
    }
