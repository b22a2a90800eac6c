"""The event log, the change log, per-stream counters and conflicts.

`sync` knows no domain app: facilities and areas are plain UUIDs here ("streams" and
"partitions"), users are UUIDs. Domain apps write through `sync.registry.HandlerContext`.
"""

from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class Stream(models.Model):
    """The change-sequence counter of one facility.

    Every writing transaction locks this row (SELECT ... FOR UPDATE) before it allocates
    sequence numbers, so seqs of one facility commit in order: a reader that has seen seq N
    can never later discover a committed N-1. See docs/protocol.md, "Sequence numbers".
    """

    facility_id = models.UUIDField(primary_key=True)
    last_seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.facility_id}@{self.last_seq}"


class Epoch(models.Model):
    """The database's epoch: one row, made by a migration, replaced by deploy/restore.

    Cursors carry it (docs/protocol.md §5), so a cursor issued by another database, or by
    this one before it was restored from a backup, is answered `reset_required` instead of
    being read against a change log that is not the one it counted.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.CharField(max_length=16)
    # Set by deploy/restore: from then on, cursors without an epoch are refused too.
    restored_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.value


class EventStatus(models.TextChoices):
    APPLIED = "applied"
    MERGED = "merged"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class EventLog(models.Model):
    """Every event ever received, whatever its outcome (rejected ones are the quarantine)."""

    id = models.UUIDField(primary_key=True)
    device_id = models.UUIDField()
    device_seq = models.BigIntegerField()
    user_id = models.UUIDField()
    name = models.CharField(max_length=60)
    args = models.JSONField(encoder=DjangoJSONEncoder)
    at = models.DateTimeField()
    hlc = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=EventStatus.choices)
    code = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=500, blank=True)
    flags = models.JSONField(default=list)
    conflict_id = models.UUIDField(null=True, blank=True)
    facility_id = models.UUIDField(null=True, blank=True)
    # sha256 of the canonical (name, args, at, device_id, device_seq): tells a replay from id reuse.
    payload_hash = models.CharField(max_length=64)
    result = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("sự kiện đồng bộ")
        verbose_name_plural = _("nhật ký sự kiện")
        # A push inserts a row per event: only the indexes a read uses. The dashboard reads a
        # facility's authors by time; repeats are found by id (the key). The admin's filter
        # looks for the quarantine (rejected, conflicts, merges), never for the applied bulk,
        # so an applied event, nearly every one, writes no entry in the status index. Nothing
        # reads by (device, seq): a device's order is decided within a call.
        indexes = [
            models.Index(fields=["facility_id", "received_at"]),
            models.Index(
                fields=["status"],
                condition=~models.Q(status="applied"),
                name="sync_event_not_applied",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.id} ({self.status})"


class Change(models.Model):
    """One entry of the pull log. `seq` is dense and ordered per facility."""

    id = models.BigAutoField(primary_key=True)
    facility_id = models.UUIDField()
    seq = models.BigIntegerField()
    type = models.CharField(max_length=30)
    record_id = models.UUIDField()
    op = models.CharField(max_length=10, default="upsert")
    version = models.PositiveIntegerField(default=1)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    # Null: visible to everyone in the facility; else to facility-wide roles and this area's staff.
    area_id = models.UUIDField(null=True, blank=True)
    # The device (and user on it) whose event produced it: not echoed back to that replica,
    # which learnt the outcome from its push results. Null user: any user of the device.
    origin_device = models.UUIDField(null=True, blank=True)
    origin_user = models.UUIDField(null=True, blank=True)
    # Set when a later change of the same record exists; pulls send only the newest. The
    # table's pages keep room for that update (migration 0004, fillfactor 85).
    superseded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["facility_id", "seq"], name="change_facility_seq")
        ]
        indexes = [
            models.Index(fields=["facility_id", "type", "record_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.record_id} #{self.seq}"


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("Chờ xử lý")
    RESOLVED = "resolved", _("Đã xử lý")


class Conflict(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    facility_id = models.UUIDField()
    area_id = models.UUIDField(null=True, blank=True)
    kind = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, default="normal")
    status = models.CharField(
        max_length=10, choices=ConflictStatus.choices, default=ConflictStatus.OPEN
    )
    subject_type = models.CharField(max_length=30)
    subject_id = models.UUIDField()
    event_ids = models.JSONField(default=list)
    details = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    message = models.CharField(max_length=500, blank=True)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.UUIDField(null=True, blank=True)
    resolution = models.CharField(max_length=60, blank=True)
    resolution_note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("xung đột")
        verbose_name_plural = _("xung đột")
        indexes = [models.Index(fields=["facility_id", "status"])]

    def __str__(self) -> str:
        return f"{self.kind} ({self.status})"
