"""Django admin for reviews, unlocks, exception crossings, questions and notices (imported by
experiments/admin.py).

A review added here goes through `review_file`, so the lock, the roles and the one-review rule hold
as on the API; its refusal shows as a form error. Filed reviews, unlocks and sent notices are
records: read-only, never deleted.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from experiments.models import ExceptionCrossing, Notification, Question, Review, ReviewUnlock
from experiments.services.reviews import review_file
from tracker.errors import Conflict


class ReviewFileForm(forms.ModelForm):
    """The add form: validation ends by filing through the service (inside the admin's transaction)."""

    class Meta:
        model = Review
        fields = ["experiment", "verdict", "summary", "loss_reasons", "recommendation"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_user = None

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.instance = review_file(
                experiment=cleaned["experiment"],
                by=self.request_user,
                verdict=cleaned["verdict"],
                summary=cleaned["summary"],
                loss_reasons=cleaned.get("loss_reasons") or "",
                recommendation=cleaned["recommendation"],
            )
        except Conflict as exc:
            raise ValidationError(exc.message, code=exc.code) from exc
        except PermissionDenied as exc:
            raise ValidationError(str(exc) or _("Only sales heads file reviews."), code="permission_denied") from exc
        return cleaned

    def _post_clean(self) -> None:
        # The service has validated and saved the review; the model-level checks ran there.
        pass


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["experiment", "version", "verdict", "recommendation", "author", "created_at"]
    list_filter = ["verdict", "recommendation", "unlock_reason"]
    search_fields = ["experiment__title", "summary", "loss_reasons"]
    list_select_related = ["experiment", "author"]
    readonly_fields = [
        "experiment",
        "version",
        "amends",
        "author",
        "created_at",
        "verdict",
        "summary",
        "loss_reasons",
        "recommendation",
        "unlock_reason",
        "regulation",
        "metrics",
    ]

    def get_form(self, request: HttpRequest, obj: Review | None = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = ReviewFileForm
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            return form_class

        class BoundToUser(form_class):
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, **inner)
                self.request_user = request.user

        return BoundToUser

    def get_readonly_fields(self, request: HttpRequest, obj: Review | None = None) -> list[str]:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Review | None = None) -> list[str]:
        if obj is None:
            return list(ReviewFileForm.Meta.fields)
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Review, form: forms.ModelForm, change: bool) -> None:
        # Added reviews were saved by `review_file` during validation; filed ones never change.
        return None

    def has_change_permission(self, request: HttpRequest, obj: Review | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Review | None = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReviewUnlock)
class ReviewUnlockAdmin(ReadOnlyAdmin):
    list_display = ["experiment", "reason", "unlocked_at", "judged_leads", "non_target_leads", "evidence", "threshold"]
    list_filter = ["reason"]
    search_fields = ["experiment__title"]
    list_select_related = ["experiment"]


@admin.register(ExceptionCrossing)
class ExceptionCrossingAdmin(ReadOnlyAdmin):
    """Exceptions waiting out the regulation's cooling-off (and those that opened after it)."""

    list_display = ["experiment", "crossed_at", "opens_at", "judged_leads", "non_target_leads", "evidence"]
    search_fields = ["experiment__title"]
    list_select_related = ["experiment"]


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    """Questions are asked and answered on the pages and the API (the services notify people)."""

    list_display = ["experiment", "short_text", "author", "created_at", "answered_at"]
    list_filter = ["answered_at"]
    search_fields = ["experiment__title", "text", "answer"]
    list_select_related = ["experiment", "author"]

    @admin.display(description=gettext_lazy("question"))
    def short_text(self, obj: Question) -> str:
        return obj.text[:80]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["key", "subject", "created_at", "sent_at"]
    search_fields = ["key", "subject"]
