"""`record.void`: any care record can be voided with a reason; the record stays, marked void.

Each app registers how to void its record types with `voidable(...)`; the one handler
here loads the record in the user's scope, checks permission and calls the app's function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field

from server.accounts.roles import VOID_ROLES
from sync.registry import Decision, HandlerContext, Rejected, register


@dataclass(frozen=True)
class Voidable:
    record_type: str
    model: type
    # Does the voiding and emits its changes: (ctx, record, reason) -> None.
    apply: Callable[[HandlerContext, Any, str], None]
    # Roles allowed to void, beyond the record's own author.
    roles: frozenset[str] = VOID_ROLES


_VOIDABLE: dict[str, Voidable] = {}


def voidable(
    record_type: str,
    model: type,
    apply: Callable[[HandlerContext, Any, str], None],
    *,
    roles: frozenset[str] | None = None,
) -> None:
    _VOIDABLE[record_type] = Voidable(record_type, model, apply, roles or VOID_ROLES)


def voidable_types() -> list[str]:
    return sorted(_VOIDABLE)


class RecordVoidArgs(BaseModel):
    model_config = ConfigDict(extra="allow")

    record_type: str
    record_id: UUID
    reason: str = Field(min_length=1, max_length=300)


@register("record.void", RecordVoidArgs)
def record_void(ctx: HandlerContext, args: RecordVoidArgs) -> Decision:
    from server.care.access import load_in_scope

    spec = _VOIDABLE.get(args.record_type)
    if spec is None:
        raise Rejected(
            "invalid_args",
            _("Không thể hủy loại bản ghi «%(type)s».") % {"type": args.record_type},
            details=[{"field": "record_type", "message": "unknown record type"}],
        )
    record: Any
    record, membership = load_in_scope(ctx, spec.model, args.record_id, for_update=True)
    ctx.facility_id = record.facility_id
    author = (
        getattr(record, "by_id", None)
        or getattr(record, "taken_by_id", None)
        or getattr(record, "done_by_id", None)
    )
    if author != ctx.user.pk and membership.role not in spec.roles:
        raise Rejected(
            "forbidden", _("Chỉ người ghi hoặc y tế / quản lý mới được hủy bản ghi này.")
        )
    if getattr(record, "void", False):
        return Decision(status="merged", code="already_void")
    spec.apply(ctx, record, args.reason)
    return Decision(status="applied")
