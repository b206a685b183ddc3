"""Filtering of lists shared by the API and the pages."""

from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import F, QuerySet
from django.db.models.expressions import Combinable
from django.http import HttpRequest
from django_filters import rest_framework as django_filters
from django_filters.rest_framework import DjangoFilterBackend


class ListFilterBackend(DjangoFilterBackend):
    """A view's `filterset_class` narrows its list only: a detail URL answers its object whatever
    the query string says (DRF would otherwise filter `get_object` by the list's filters too)."""

    def filter_queryset(self, request: HttpRequest, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        if getattr(view, "action", "list") != "list":
            return queryset
        return super().filter_queryset(request, queryset, view)


class SortFilter(django_filters.ChoiceFilter):
    """`?ordering=<name>` (ascending) or `-<name>` (descending) over named sort keys.

    Each key is an expression (built when the list is sorted, so it may read today's date); rows
    without a value sort last either way, and ties fall back to `tiebreak`, so that pages never
    share or skip a row.
    """

    def __init__(self, *, sorts: Mapping[str, Callable[[], Combinable]], tiebreak: str = "-id", **kwargs: Any) -> None:
        self.sorts = sorts
        self.tiebreak = tiebreak
        choices = [(f"{sign}{name}", f"{sign}{name}") for name in sorts for sign in ("", "-")]
        super().__init__(choices=choices, **kwargs)

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        if not value:
            return qs
        name = value.removeprefix("-")
        alias = f"sort_{name}"
        key = F(alias).desc(nulls_last=True) if value.startswith("-") else F(alias).asc(nulls_last=True)
        ordered: QuerySet[Any] = qs.alias(**{alias: self.sorts[name]()}).order_by(key, self.tiebreak)
        return ordered
