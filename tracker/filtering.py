from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request


class ListFilterBackend(DjangoFilterBackend):
    """A view's `filterset_class` narrows its list only: a detail URL answers its object whatever
    the query string says (DRF would otherwise filter `get_object` by the list's filters too)."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view) -> QuerySet:
        if getattr(view, "action", "list") != "list":
            return queryset
        return super().filter_queryset(request, queryset, view)
