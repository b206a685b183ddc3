"""Who may set goals and write meeting notes: the rules, and the API's permissions over them."""

from django.utils.translation import gettext_lazy as _

from experiments.permissions import Role, has_role, is_admin
from tracker.permissions import ReadOnly, RulePermission, User, role_permission


def can_set_goals(user: User) -> bool:
    """Set, correct and delete department goals."""
    return is_admin(user) or has_role(user, Role.FOUNDER)


def can_write_meeting_notes(user: User) -> bool:
    return has_role(user, Role.MARKETING_HEAD, Role.SALES_HEAD, Role.FOUNDER)


class CanSetGoalsOrReadOnly(RulePermission):
    rule = ReadOnly | role_permission(can_set_goals)
    message = _("Only the founder or an administrator sets department goals.")


class CanWriteNotesOrReadOnly(RulePermission):
    rule = ReadOnly | role_permission(can_write_meeting_notes)
    message = _("Only marketing heads, sales heads and the founder write meeting notes and decisions.")
