"""Who may do what: the rules (used by services, admin and pages) and the DRF classes over them."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from experiments.models import Experiment
from experiments.roles import User, can_manage_any_experiment, can_register_experiments, has_role, is_admin


def can_manage_experiment(user: User, experiment: Experiment) -> bool:
    """Edit, launch, cancel: the owning marketer, any marketing head, any admin."""
    if can_manage_any_experiment(user):
        return True
    return has_role(user, "marketer") and experiment.owner_id == user.pk


class IsAdminOrReadOnly(BasePermission):
    """Everyone signed in reads; only admins write (the regulation)."""

    message = _("Only an administrator can change the regulation.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or is_admin(request.user)


class CanRegisterOrReadOnly(BasePermission):
    """Everyone signed in reads; marketers, marketing heads and admins create."""

    message = _("Only marketers, marketing heads and administrators can do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or can_register_experiments(request.user)


class CanManageExperimentOrReadOnly(BasePermission):
    """Writes on one experiment: its owner if a marketer, any marketing head or admin."""

    message = _("Only the experiment's owner, a marketing head or an administrator can change this experiment.")

    def has_object_permission(self, request: Request, view: Any, obj: Experiment) -> bool:
        return request.method in SAFE_METHODS or can_manage_experiment(request.user, obj)
