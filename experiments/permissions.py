"""Who may do what with the regulation, channels, experiments, reviews and questions.

The roles are Django groups (created by a data migration) plus `is_staff` for admins. The rules
below are plain predicates that services, pages and the admin call; the API's permissions at the
end are composed from the same predicates (`tracker.permissions`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from experiments.models import Experiment
from tracker.permissions import ReadOnly, RulePermission, User, object_permission, role_permission


class Role(models.TextChoices):
    MARKETER = "marketer", _("Marketer")
    MARKETING_HEAD = "marketing_head", _("Marketing head")
    SALES_HEAD = "sales_head", _("Sales head")
    FOUNDER = "founder", _("Founder")


# Where a user object keeps its group names, as Django's ModelBackend keeps its permissions.
_ROLE_CACHE = "_role_names"


def has_role(user: User, *roles: str) -> bool:
    """Whether the user is in any of the given groups. Group names are cached on the user."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    names: frozenset[str] | None = getattr(user, _ROLE_CACHE, None)
    if names is None:
        names = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, _ROLE_CACHE, names)
    return any(role in names for role in roles)


def is_admin(user: User) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


# --- The rules --------------------------------------------------------------------------------


def can_change_regulation(user: User) -> bool:
    return is_admin(user)


def can_register_experiments(user: User) -> bool:
    """Register experiments (as their owner) and add channels."""
    return is_admin(user) or has_role(user, Role.MARKETER, Role.MARKETING_HEAD)


def can_manage_any_experiment(user: User) -> bool:
    return is_admin(user) or has_role(user, Role.MARKETING_HEAD)


def can_manage_experiment(user: User, experiment: Experiment) -> bool:
    """Edit, launch, cancel: the owning marketer, any marketing head, any admin."""
    if can_manage_any_experiment(user):
        return True
    return has_role(user, Role.MARKETER) and experiment.owner_id == user.pk


def can_file_reviews(user: User) -> bool:
    """File and amend reviews (once the review lock opens)."""
    return has_role(user, Role.SALES_HEAD)


def can_ask_questions(user: User) -> bool:
    return has_role(user, Role.SALES_HEAD, Role.FOUNDER)


def can_answer_questions(user: User) -> bool:
    return has_role(user, Role.MARKETING_HEAD)


# --- The API: everyone signed in reads (views list IsAuthenticated first); writes by the rules ---


class IsAdminOrReadOnly(RulePermission):
    rule = ReadOnly | role_permission(can_change_regulation)
    message = _("Only an administrator can change the regulation.")


class CanRegisterOrReadOnly(RulePermission):
    rule = ReadOnly | role_permission(can_register_experiments)
    message = _("Only marketers, marketing heads and administrators can do this.")


class CanManageExperimentOrReadOnly(RulePermission):
    rule = ReadOnly | object_permission(can_manage_experiment)
    message = _("Only the experiment's owner, a marketing head or an administrator can change this experiment.")


class CanFileReviewsOrReadOnly(RulePermission):
    rule = ReadOnly | role_permission(can_file_reviews)
    message = _("Only sales heads file reviews.")


class CanAskOrReadOnly(RulePermission):
    rule = ReadOnly | role_permission(can_ask_questions)
    message = _("Only sales heads and founders ask questions about experiments.")


class CanAnswer(RulePermission):
    rule = role_permission(can_answer_questions)
    message = _("Only marketing heads answer questions.")
