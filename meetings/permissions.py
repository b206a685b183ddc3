"""Who may set goals and write meeting notes."""

from experiments.roles import Role, User, has_role, is_admin


def can_set_goals(user: User) -> bool:
    return is_admin(user) or has_role(user, Role.FOUNDER)


def can_write_meeting_notes(user: User) -> bool:
    return has_role(user, Role.MARKETING_HEAD, Role.SALES_HEAD, Role.FOUNDER)
