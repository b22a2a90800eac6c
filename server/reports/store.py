"""The parts of a report people write: the centre's settings and the director's text for a
period, editable until the report is marked sent."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from server.reports.models import PeriodReport, ReportSettings
from server.reports.periods import Period

TEXT_FIELDS = ("number", "activities", "next_plan", "proposals")
NUMBER_FIELDS = ("staff_permanent", "staff_contract")


class AlreadySent(Exception):
    """The report went to the Department: its words are what was sent."""


def settings_for(facility: Any) -> ReportSettings:
    """The centre's settings, or unsaved defaults while nobody has filled them in."""
    found = ReportSettings.objects.filter(facility=facility).first()
    return found or ReportSettings(facility=facility)


def document_number(settings: ReportSettings, record: PeriodReport | None) -> str:
    """'Số: 123/BC-TTBTXH'; with no number yet the clerk writes it by hand in the gap."""
    number = record.number if record and record.number else " " * 6
    return settings.number_pattern.replace("{so}", number)


def record_text(record: PeriodReport | None) -> dict[str, str]:
    return {key: getattr(record, key) if record else "" for key in TEXT_FIELDS if key != "number"}


def text_save(*, facility: Any, period: Period, fields: dict[str, Any], by: Any) -> PeriodReport:
    """Store the director's words for the period (only the fields given)."""
    with transaction.atomic():
        record, _ = PeriodReport.objects.select_for_update().get_or_create(
            facility=facility, period=period.key
        )
        if record.sent_at is not None:
            raise AlreadySent(period.key)
        for key, value in fields.items():
            if key in TEXT_FIELDS or key in NUMBER_FIELDS:
                setattr(record, key, value)
        record.updated_by = by
        record.save()
    return record


def mark_sent(*, facility: Any, period: Period, by: Any) -> PeriodReport:
    with transaction.atomic():
        record, _ = PeriodReport.objects.select_for_update().get_or_create(
            facility=facility, period=period.key
        )
        if record.sent_at is None:
            record.sent_at = timezone.now()
            record.sent_by = by
            record.save(update_fields=["sent_at", "sent_by"])
    return record
