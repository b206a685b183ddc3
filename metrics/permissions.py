"""Who may send lead data: the rule, and the API's permission over it."""

from django.utils.translation import gettext_lazy as _

from experiments.permissions import Role, has_role, is_admin
from tracker.permissions import ReadOnly, RulePermission, User, role_permission


def can_import_data(user: User) -> bool:
    """Send leads and spend (JSON) and upload CSV imports."""
    return is_admin(user) or has_role(user, Role.MARKETER, Role.MARKETING_HEAD, Role.SALES_HEAD)


class CanImportOrReadOnly(RulePermission):
    rule = ReadOnly | role_permission(can_import_data)
    message = _("Only marketers, the heads of marketing and sales, and admins may send lead data.")
