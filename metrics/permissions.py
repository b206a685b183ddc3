"""Who may send lead data and who may change an experiment's spend: the rules, and the API's
permission over the first."""

from django.utils.translation import gettext_lazy as _

from experiments.models import Experiment
from experiments.permissions import Role, can_manage_experiment, has_role, is_admin
from metrics.models import Spend
from tracker.permissions import ReadOnly, RulePermission, User, role_permission


def can_import_data(user: User) -> bool:
    """Send leads and spend (JSON) and upload CSV imports."""
    return is_admin(user) or has_role(user, Role.MARKETER, Role.MARKETING_HEAD, Role.SALES_HEAD)


def spend_kinds_allowed(user: User, experiment: Experiment) -> tuple[str, ...]:
    """The kinds of spend the user may add, edit and delete on the experiment's page.

    Marketing spend is the owner's cost to answer for: the owning marketer, any marketing head, any
    admin. Sales spend is the sales department's own cost, which sales heads also keep (they import
    the CRM data it is judged against).
    """
    if can_manage_experiment(user, experiment):
        return (Spend.Kind.MARKETING, Spend.Kind.SALES)
    if has_role(user, Role.SALES_HEAD):
        return (Spend.Kind.SALES,)
    return ()


def can_change_spend(user: User, experiment: Experiment, kind: str) -> bool:
    """Add, edit or delete a spend row of this kind on this experiment."""
    return kind in spend_kinds_allowed(user, experiment)


SPEND_REFUSAL = _(
    "Only the experiment's owner, a marketing head or an administrator changes its spend; "
    "a sales head changes its sales spend."
)


class CanImportOrReadOnly(RulePermission):
    rule = ReadOnly | role_permission(can_import_data)
    message = _("Only marketers, the heads of marketing and sales, and admins may send lead data.")


class CanImport(RulePermission):
    rule = role_permission(can_import_data)
    message = _("Only marketers, the heads of marketing and sales, and admins may send lead data.")
