"""Who may open which paper: managers (and admins) of the centre for the reports and
exports; kitchen staff too for the food-safety forms. The same check for the API (a token)
and the printable pages (a web session)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from server.accounts.models import Membership
from server.accounts.services import membership_in

MESSAGES = {
    "not_found": gettext_lazy("Không tìm thấy trung tâm này."),
    "forbidden": gettext_lazy("Chỉ Ban Giám đốc / quản lý trung tâm mới xem được giấy tờ này."),
}


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


def paper_access(user: Any, facility_id: UUID, roles: frozenset[str]) -> Membership | Refusal:
    """Another centre's facility reads as not found (its existence is not confirmed)."""
    membership = membership_in(user, facility_id)
    if membership is None:
        return Refusal(404, "not_found", str(MESSAGES["not_found"]))
    if membership.role not in roles:
        message = (
            _("Chỉ nhà bếp hoặc Ban Giám đốc mới xem được biểu mẫu kiểm thực.")
            if "kitchen" in roles
            else _("Chỉ y tế hoặc Ban Giám đốc mới xem được sổ thuốc.")
            if "nurse" in roles
            else MESSAGES["forbidden"]
        )
        return Refusal(403, "forbidden", str(message))
    return membership
