"""Building blocks of the API's permissions; each app's `permissions.py` composes its own from them.

A rule is a plain predicate (`can_register_experiments(user)`) that services, pages and the admin
call too; `role_permission` and `object_permission` turn one into a DRF permission, and DRF's `&`,
`|` and `~` combine those. DRF's compositions carry no refusal message of their own, so the
permission a view declares is a `RulePermission`: a composed `rule` plus the sentence a refused
request reads.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as UserModel
from django.utils.functional import Promise
from rest_framework.permissions import SAFE_METHODS, BasePermission, OperandHolder, SingleOperandHolder
from rest_framework.request import Request

# Whoever makes a request: the user model (AUTH_USER_MODEL is Django's own) or the anonymous user.
User = UserModel | AnonymousUser


class ReadOnly(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS


def role_permission(predicate: Callable[[User], bool]) -> type[BasePermission]:
    """Granted when `predicate(request.user)` holds."""

    def has_permission(self: BasePermission, request: Request, view: Any) -> bool:
        return predicate(request.user)

    return type(predicate.__name__, (BasePermission,), {"has_permission": has_permission})


def object_permission(predicate: Callable[[User, Any], bool]) -> type[BasePermission]:
    """Granted on an object when `predicate(request.user, obj)` holds."""

    def has_object_permission(self: BasePermission, request: Request, view: Any, obj: Any) -> bool:
        return predicate(request.user, obj)

    return type(predicate.__name__, (BasePermission,), {"has_object_permission": has_object_permission})


class RulePermission(BasePermission):
    """`rule` (composed with `&`, `|`, `~`) refused with `message` (lazily translated)."""

    rule: type[BasePermission] | OperandHolder | SingleOperandHolder
    message: str | Promise

    def __init__(self) -> None:
        self._rule = self.rule()

    def has_permission(self, request: Request, view: Any) -> bool:
        return self._rule.has_permission(request, view)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return self._rule.has_object_permission(request, view, obj)
