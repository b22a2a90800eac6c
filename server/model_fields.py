"""The fields that the record tables of every app declare alike, built in one place.

Functions, not an abstract model: a field is created where the model names it, so each table
keeps its own column order (the CSV exports and the admin follow it), and each call passes the
few things that really differ (related name, what a delete does, the label). Every field comes
out exactly as it was written by hand before, so no migration follows from using them.

No app of its own: `accounts`, `rota` and `care` alike may import it without an edge between
apps (tests/unit/test_import_graph.py).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def made_id() -> models.UUIDField:
    """A row's id drawn by the server when it creates the row."""
    return models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)


def given_id() -> models.UUIDField:
    """A row's id given by whoever creates it: the phone that recorded it (so a resent event
    finds its row) or the horizon's deterministic uuid5."""
    return models.UUIDField(primary_key=True, editable=False)


def _link(to: str, related_name: str, on_delete, verbose_name, optional: bool, indexed=True):
    # `indexed=False`: a table written on every push whose rows nobody reads by this link
    # (only a rare delete of the target scans it); each index is a write per row.
    return models.ForeignKey(
        to,
        on_delete=on_delete,
        null=optional,
        blank=optional,
        related_name=related_name,
        verbose_name=verbose_name,
        db_index=indexed,
    )


def record_fk(
    to, related_name: str, verbose_name, on_delete=models.PROTECT, *, optional=False, indexed=True
):
    """Another record of the app that a row belongs to or answers (an order, a routine)."""
    return _link(to, related_name, on_delete, verbose_name, optional, indexed)


def facility_fk(related_name: str, on_delete=models.CASCADE, *, indexed=True) -> models.ForeignKey:
    """The centre a row belongs to: what the sync scope and the admin scope filter on."""
    return _link("care.Facility", related_name, on_delete, _("trung tâm"), False, indexed)


def area_fk(
    related_name: str,
    on_delete=models.CASCADE,
    *,
    optional=False,
    verbose_name="khu",
    indexed=True,
):
    """The area (ward, kitchen, vehicle) a row is in: what a carer's scope filters on."""
    return _link("care.Area", related_name, on_delete, verbose_name, optional, indexed)


def resident_fk(related_name: str, on_delete=models.CASCADE, *, optional=False):
    """The resident a row is about."""
    return _link("care.Resident", related_name, on_delete, _("đối tượng"), optional)


def task_fk(verbose_name, related_name: str = "+", on_delete=models.SET_NULL):
    """The due task a record answers, if it answers one."""
    return _link("care.TaskInstance", related_name, on_delete, verbose_name, True)


def staff_fk(verbose_name, *, optional: bool = False, on_delete=models.PROTECT, indexed=True):
    """A member of staff who did or signed something. PROTECT by default: a record keeps the
    person who made it; `related_name="+"`, since no one reads records from the person."""
    return _link(settings.AUTH_USER_MODEL, "+", on_delete, verbose_name, optional, indexed)


VOID_LABEL = _("đã hủy bản ghi")
VOID_REASON_LABEL = _("lý do hủy bản ghi")


def void_fields(
    void_label=VOID_LABEL, reason_label=VOID_REASON_LABEL
) -> tuple[models.BooleanField, models.CharField]:
    """`void, void_reason` of a record that `record.void` may cancel (server/care/void.py):
    the row stays, marked, with the reason given."""
    return (
        models.BooleanField(void_label, default=False),
        models.CharField(reason_label, max_length=300, blank=True),
    )


def names(singular, plural=None, **options) -> type:
    """A model's `Meta`: its names, and any other option (indexes, constraints, ordering).

    A Vietnamese noun does not change in the plural, so the one name serves both unless the
    list has a name of its own (a register: "sổ ...")."""
    plural = singular if plural is None else plural
    return type("Meta", (), {"verbose_name": singular, "verbose_name_plural": plural, **options})


def unique(name: str, *fields: str) -> models.UniqueConstraint:
    """The one row there may be for these fields together."""
    return models.UniqueConstraint(fields=list(fields), name=name)


def version_field() -> models.PositiveIntegerField:
    """Bumped on every write of the row; each change a phone pulls carries it."""
    return models.PositiveIntegerField(default=1)
