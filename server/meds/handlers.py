"""`med.administer`: one line of the eMAR, from a phone that may have been offline.

The handler loads the order, the dose (task), the earlier records and the people named,
asks the pure rules in `server/meds/rules.py`, then appends: a new administration row
(never an edit), the task's new status, and any conflict for the duty manager.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field, model_validator

from server.accounts.models import Membership
from server.care.access import (
    covers_area,
    load_in_scope,
    membership_for,
    moves_preload,
    resident_moves,
)
from server.care.models import TaskInstance
from server.care.resident_rules import Move, is_not_present, move_in_force, status_at
from server.meds import rules
from server.meds.doses import (
    MedsBatch,
    administration_void,
    dose_records,
    effective,
    task_recompute,
)
from server.meds.models import MedicationAdministration, MedicationOrder
from sync.protocol import judged_at
from sync.registry import Decision, HandlerContext, PreloadContext, Rejected, preloader, register
from sync.types import emit

MESSAGES = {
    "double_dose": gettext_lazy(
        "Liều thuốc này đã được ghi là đã cho dùng: có thể đã cho uống hai lần. Báo ngay quản lý trực."
    ),
    "prn_interval": gettext_lazy(
        "Thuốc khi cần: chưa đủ khoảng cách giữa hai lần hoặc quá số lần trong 24 giờ. Quản lý trực sẽ xem xét."
    ),
    "resident_away": gettext_lazy(
        "Đối tượng đang vắng mặt (nằm viện / về phép) lúc ghi thuốc; quản lý trực sẽ xem xét."
    ),
}
SEVERITY = {"double_dose": "high", "prn_interval": "high", "resident_away": "normal"}
NOT_FOUND = gettext_lazy("Không tìm thấy bản ghi trong phạm vi của bạn.")
# What else a dose moves, run before its record is written (server/stock registers the
# stock it takes): the eMAR does not import the stock, the stock plugs in here.
DOSE_HOOKS: list[Callable[..., None]] = []


class MedAdministerArgs(BaseModel):
    model_config = ConfigDict(extra="allow")

    administration_id: UUID
    order_id: UUID
    task_id: UUID | None = None
    prn: bool = False
    outcome: rules.Outcome
    dose: str | None = Field(default=None, max_length=100)
    witness_id: UUID | None = None
    reason: str = Field(default="", max_length=300)
    note: str = Field(default="", max_length=2000)
    # entered_in_error: the record it corrects (default: the dose's latest record).
    corrects_id: UUID | None = None

    @model_validator(mode="after")
    def scheduled_or_prn(self) -> MedAdministerArgs:
        if (self.task_id is not None) == self.prn:
            raise ValueError("give task_id for a scheduled dose, or prn=true, not both")
        return self


def _witness(ctx: HandlerContext, order: MedicationOrder, witness_id: UUID | None) -> rules.Witness:
    if witness_id is None:
        return rules.Witness(named=False)
    active = Membership.objects.filter(
        user_id=witness_id, facility_id=order.facility_id, active=True, user__is_active=True
    ).exists()
    return rules.Witness(
        named=True, is_recorder=witness_id == ctx.user.pk, active_member_of_facility=active
    )


def _refuse(refusal: rules.Refusal | None) -> None:
    if refusal is not None:
        raise Rejected(refusal.code, refusal.message)


def _correction_target(
    args: MedAdministerArgs, order: MedicationOrder, earlier: list[MedicationAdministration]
):  # type: ignore[no-untyped-def]
    """The record an `entered_in_error` cancels, if any: the one named, else the dose's
    latest record (a PRN correction must name its record)."""
    if args.outcome != "entered_in_error":
        return None
    if args.corrects_id is not None:
        target = MedicationAdministration.objects.filter(id=args.corrects_id, order=order).first()
        if target is None:
            raise Rejected("not_found", NOT_FOUND)
        cached = next((r for r in earlier if r.id == target.id), None)
        return cached if cached is not None else (None if target.void else target)
    if args.task_id is None:
        return None
    rows = [r for r in earlier if r.outcome != "entered_in_error"]
    return rows[-1] if rows else None


@preloader("med.administer")
def med_administer_preload(pctx: PreloadContext, events: list[MedAdministerArgs]) -> None:
    """Everything a call's doses reference, in a handful of queries (docs/protocol.md §9)."""
    orders = list(
        MedicationOrder.objects.select_related("resident").filter(
            id__in={e.order_id for e in events}, facility_id__in=pctx.locked_facilities
        )
    )
    pctx.keep(orders)
    task_ids = {e.task_id for e in events if e.task_id}
    # Locked like the handler would: each dose's status is read, then written.
    tasks = list(
        TaskInstance.objects.select_for_update().filter(
            id__in=task_ids, facility_id__in=pctx.locked_facilities
        )
    )
    pctx.keep(tasks)
    batch = MedsBatch.of(pctx)
    ids = {e.administration_id for e in events}
    existing = set(MedicationAdministration.objects.filter(id__in=ids).values_list("id", flat=True))
    batch.known_ids.update({i: i in existing for i in ids})
    prn_orders = {o.id for o in orders if o.prn}
    for tid in task_ids:
        batch.by_task.setdefault(tid, [])
    for oid in prn_orders:
        batch.by_prn_order.setdefault(oid, [])
    rows = effective(
        MedicationAdministration.objects.filter(task_id__in=task_ids)
        | MedicationAdministration.objects.filter(order_id__in=prn_orders, task__isnull=True)
    )
    for row in rows:
        if row.task_id is not None:
            batch.by_task[row.task_id].append(row)
        else:
            batch.by_prn_order[row.order_id].append(row)
    moves_preload(pctx.batch, [o.resident_id for o in orders])


def _order(ctx: HandlerContext, order_id: UUID) -> tuple[MedicationOrder, Membership]:
    order = ctx.preloaded(MedicationOrder, order_id)
    if order is None:
        order, membership = load_in_scope(ctx, MedicationOrder, order_id)
    else:
        membership = membership_for(ctx, order.facility_id)
    if not covers_area(membership, order.resident.area_id):
        raise Rejected("not_found", NOT_FOUND)
    return order, membership


@register("med.administer", MedAdministerArgs)
def med_administer(ctx: HandlerContext, args: MedAdministerArgs) -> Decision:
    order, membership = _order(ctx, args.order_id)
    resident = order.resident
    ctx.facility_id = order.facility_id
    _refuse(
        rules.permission_check(
            role=membership.role,
            controlled=order.controlled,
            carers_may_record=bool(membership.facility.setting("carers_may_record_meds")),
        )
    )
    batch = MedsBatch.of(ctx)
    if batch.exists(args.administration_id):
        raise Rejected(
            "duplicate_record", _("Mã lượt cấp phát này đã được dùng cho một bản ghi khác.")
        )
    task = None
    if args.task_id is not None:
        # Locked: the dose's status is derived from all its records, read-then-written.
        task = ctx.preloaded(TaskInstance, args.task_id) or (
            TaskInstance.objects.select_for_update().filter(id=args.task_id).first()
        )
        if task is None or task.order_id != order.id:
            raise Rejected("not_found", NOT_FOUND)
    elif not order.prn:
        raise Rejected(
            "invalid_args",
            _("Y lệnh này không phải thuốc khi cần: cần chọn liều theo giờ."),
            details=[{"field": "prn", "message": "order is not PRN"}],
        )
    _refuse(rules.outcome_check(outcome=args.outcome, dose=args.dose, reason=args.reason))
    _refuse(
        rules.witness_check(
            controlled=order.controlled,
            outcome=args.outcome,
            witness=_witness(ctx, order, args.witness_id),
        )
    )
    at = judged_at(ctx)
    if task is not None:
        verdict = rules.window_check(
            due_at=task.due_at, at=at, window_minutes=order.effective_window_minutes()
        )
        _refuse(rules.window_refusal(outcome=args.outcome, verdict=verdict, reason=args.reason))
        if verdict.flag and args.outcome not in rules.UNTIMED:
            ctx.flag(verdict.flag)
    if not order.active:
        ctx.flag("order_inactive")
    earlier = batch.for_task(task.id) if task is not None else batch.for_prn_order(order.id)
    target = _correction_target(args, order, earlier)
    # Before the row is written: a dose with nothing left in stock carries `no_stock`.
    for hook in DOSE_HOOKS:
        hook(
            ctx,
            order,
            administration_id=args.administration_id,
            outcome=args.outcome,
            witness_id=args.witness_id,
        )

    # What the new record collides with, judged by when doses were given, not by arrival.
    clash_keys: list[str] = []
    prn = rules.PrnVerdict()
    if task is not None:
        clash_keys = rules.double_dose_check(outcome=args.outcome, earlier=dose_records(earlier))
    elif args.outcome in rules.DOSE_TAKEN:
        prn = rules.prn_check(
            at=at,
            earlier=dose_records(earlier),
            min_interval_minutes=order.min_interval_minutes,
            max_per_24h=order.max_per_24h,
        )
    moves = resident_moves(ctx, resident)
    away = args.outcome not in rules.UNTIMED and is_not_present(
        status_at(moves, current=resident.status, at=at)
    )
    away_move = move_in_force(moves, at=at) if away else None

    row = MedicationAdministration.objects.create(
        id=args.administration_id,
        facility_id=order.facility_id,
        order=order,
        task=task,
        resident=resident,
        outcome=args.outcome,
        dose=args.dose or "",
        at=at,
        by=ctx.user,
        witness_id=args.witness_id,
        reason=args.reason,
        note=args.note,
        flags=list(ctx.flags),
        unit_cost_vnd=order.unit_cost_vnd,
        event_id=ctx.event.id,
        device_id=ctx.device_id,
    )
    row._void_cache = False
    emit(ctx, row)
    if target is not None:
        administration_void(ctx, target, args.reason or "Ghi nhầm (entered in error)")
    if task is not None:
        task_recompute(ctx, task, [r for r in [*earlier, row] if r is not target])
    decision = _conflicts(
        ctx,
        args,
        order,
        task,
        row,
        earlier,
        clash_keys=clash_keys,
        prn=prn,
        away=away,
        away_move=away_move,
    )
    # Last, once every write of this event is done (see MedsBatch).
    batch.added(row)
    if target is not None:
        batch.void(target.id)
    return decision


def _conflicts(
    ctx: HandlerContext,
    args: MedAdministerArgs,
    order: MedicationOrder,
    task: TaskInstance | None,
    row: MedicationAdministration,
    earlier: list[MedicationAdministration],
    *,
    clash_keys: list[str],
    prn: rules.PrnVerdict,
    away: bool,
    away_move: Move | None,
) -> Decision:
    """Open what the new record collides with, most serious first; each names the events."""
    resident = order.resident
    at = row.at
    by_key = {str(r.id): r for r in earlier}
    found: list[tuple[str, list[str]]] = []
    if clash_keys:
        found.append(("double_dose", clash_keys))
    if prn.violated:
        found.append(("prn_interval", prn.keys))
    if away:
        found.append(("resident_away", []))
    if not found:
        return Decision(status="applied")
    opened = []
    for kind, keys in found:
        others = [by_key[k] for k in keys]
        opened.append(
            ctx.open_conflict(
                kind=kind,
                facility_id=order.facility_id,
                area_id=resident.area_id,
                severity=SEVERITY[kind],
                subject_type="task" if kind == "double_dose" else "med_administration",
                subject_id=task.id if kind == "double_dose" and task else row.id,
                other_event_ids=[str(o.event_id) for o in others if o.event_id]
                + ([away_move.key] if kind == "resident_away" and away_move else []),
                details={
                    "administration_id": str(row.id),
                    "order_id": str(order.id),
                    "drug": order.drug,
                    "resident_id": str(resident.id),
                    "outcome": args.outcome,
                    "at": at.isoformat(),
                    "by": str(ctx.user.pk),
                    "others": [
                        {
                            "administration_id": str(o.id),
                            "outcome": o.outcome,
                            "at": o.at.isoformat(),
                            "by": str(o.by_id),
                        }
                        for o in others
                    ],
                    **(
                        {"interval": list(prn.interval_keys), "over_max": list(prn.over_max_keys)}
                        if kind == "prn_interval"
                        else {}
                    ),
                },
                message=MESSAGES[kind],
            )
        )
    # The result names the most serious one (found is in that order).
    ctx.conflict_id = opened[0]
    kind = found[0][0]
    return Decision(status="conflict", code=kind, message=MESSAGES[kind])
