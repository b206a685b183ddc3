"""The product's roles: Django groups (created by a data migration) plus `is_staff` for admins."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

User = AbstractBaseUser | AnonymousUser


class Role(models.TextChoices):
    MARKETER = "marketer", "Marketer"
    MARKETING_HEAD = "marketing_head", "Marketing head"
    SALES_HEAD = "sales_head", "Sales head"
    FOUNDER = "founder", "Founder"


def has_role(user: User, *roles: str) -> bool:
    """Whether the user is in any of the given groups. Group names are cached on the user."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    names = getattr(user, "_role_names", None)
    if names is None:
        names = frozenset(user.groups.values_list("name", flat=True))
        user._role_names = names
    return any(role in names for role in roles)


def is_admin(user: User) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def can_register_experiments(user: User) -> bool:
    return is_admin(user) or has_role(user, Role.MARKETER, Role.MARKETING_HEAD)


def can_manage_any_experiment(user: User) -> bool:
    return is_admin(user) or has_role(user, Role.MARKETING_HEAD)


def can_import_data(user: User) -> bool:
    return is_admin(user) or has_role(user, Role.MARKETER, Role.MARKETING_HEAD, Role.SALES_HEAD)


def can_file_reviews(user: User) -> bool:
    return has_role(user, Role.SALES_HEAD)


def can_ask_questions(user: User) -> bool:
    return has_role(user, Role.SALES_HEAD, Role.FOUNDER)


def can_answer_questions(user: User) -> bool:
    return has_role(user, Role.MARKETING_HEAD)
