"""What the pages show of an experiment's spend: its rows a page at a time, their totals, and for the
people who may change them the links and the form (`metrics.permissions.spend_kinds_allowed`).

The experiment page shows the first page; the spend page (`web:spend-list`) pages through all."""

from typing import Any

from django.core.paginator import Paginator
from django.utils import timezone

from experiments.models import Experiment
from metrics.forms import SpendForm
from metrics.permissions import spend_kinds_allowed
from metrics.selectors import experiment_spend, experiment_spend_totals
from tracker.permissions import User

# The experiment page shows the latest rows; the spend page pages through the rest.
SPEND_PAGE_SIZE = 10


def spend_form(user: User, experiment: Experiment, data: Any = None) -> SpendForm | None:
    """The form to add a row (dated today), None for those who may not add any."""
    kinds = spend_kinds_allowed(user, experiment)
    if not kinds:
        return None
    return SpendForm(data, kinds=kinds, initial={"date": timezone.localdate(), "kind": kinds[0]})


def spend_context(
    user: User, experiment: Experiment, *, page_number: Any = 1, form: SpendForm | None = None
) -> dict[str, Any]:
    """The spend section: `page` of rows, each with `can_change`; `totals`; `form` to add one."""
    kinds = spend_kinds_allowed(user, experiment)
    page = Paginator(experiment_spend(experiment=experiment), SPEND_PAGE_SIZE).get_page(page_number)
    return {
        "page": page,
        "rows": [{"spend": spend, "can_change": spend.kind in kinds} for spend in page.object_list],
        "totals": experiment_spend_totals(experiment=experiment),
        "form": form if form is not None else spend_form(user, experiment),
        "can_add": bool(kinds),
    }
