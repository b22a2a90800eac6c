"""CSV exports of the records, for a province's own analysis: one record type, one centre,
a date range; streamed row by row so a year of tasks never sits in memory. UTF-8 with a
byte-order mark, which is what makes Excel read Vietnamese correctly."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import models
from django.utils import timezone, translation

from server.accounts.models import User
from server.care.models import Note, Resident, ResidentTransfer, TaskInstance
from server.hygiene.models import DisinfectionRecord
from server.kitchen.models import FoodCheck, FoodSample, FridgeReading
from server.meds.models import MedicationAdministration, MedicationVoid
from server.reports.labels import CATEGORY

MAX_EXPORT_DAYS = 366
BOM = "\ufeff"
# Internal bookkeeping, not records: merge clocks, audit trails kept as JSON.
SKIPPED = frozenset({"field_hlc", "history", "version", "done_device", "device_id", "swept"})
# Bookkeeping fields the models leave unnamed.
HEADERS = {
    "flags": "Cảnh báo (mã)",
    "event_id": "Mã sự kiện",
    "done_event": "Mã sự kiện hoàn thành",
    "recorded_at": "Máy chủ ghi lúc",
}


@dataclass(frozen=True)
class Export:
    model: type[models.Model]
    date_field: str | None  # None: the whole roster, whatever the range
    file_label: str


EXPORTS: dict[str, Export] = {
    "residents": Export(Resident, None, "Danh sách đối tượng"),
    "tasks": Export(TaskInstance, "local_date", "Công việc chăm sóc"),
    "med_administrations": Export(MedicationAdministration, "at", "Sổ cấp phát thuốc"),
    "med_voids": Export(MedicationVoid, "at", "Hủy lượt cấp phát thuốc"),
    "transfers": Export(ResidentTransfer, "at", "Chuyển viện, về gia đình, tử vong"),
    "notes": Export(Note, "at", "Ghi chú, giao ca, sự việc"),
    "disinfection": Export(DisinfectionRecord, "at", "Sổ khử khuẩn"),
    "food_samples": Export(FoodSample, "taken_at", "Sổ lưu mẫu thức ăn"),
    "food_checks": Export(FoodCheck, "at", "Kiểm thực ba bước"),
    "fridge_readings": Export(FridgeReading, "at", "Nhiệt độ tủ lưu mẫu"),
}


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [
        f for f in model._meta.concrete_fields if f.name not in SKIPPED and f.name != "facility"
    ]


def _header(field: models.Field) -> str:
    with translation.override("vi"):  # a paper: Vietnamese whoever downloads it
        name = HEADERS.get(field.name, str(field.verbose_name))
    if field.name == "id":
        return "Mã bản ghi"
    if isinstance(field, models.ForeignKey) and field.related_model not in (User, Resident):
        name += " (mã)"
    return name[:1].upper() + name[1:]


def _cell(value: Any, field: models.Field, names: dict[Any, str]) -> str:
    if value is None:
        return ""
    if isinstance(field, models.ForeignKey):
        return names.get(value, str(value))
    if field.choices:
        with translation.override("vi"):
            return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if field.name == "categories" and isinstance(value, list):
        return "; ".join(CATEGORY.get(v, str(v)) for v in value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _names(facility: Any) -> dict[Any, str]:
    """People by id, as the exports print them (staff and residents of this centre)."""
    names: dict[Any, str] = {
        r.id: r.full_name for r in Resident.objects.filter(facility=facility).only("full_name")
    }
    staff = User.objects.filter(memberships__facility=facility).distinct()
    names.update({u.id: u.full_name or u.username for u in staff})
    return names


def _rows(facility: Any, spec: Export, start: date, end: date) -> Iterator[str]:
    fields = _columns(spec.model)
    rows = spec.model._default_manager.filter(facility=facility)  # type: ignore[misc]
    if spec.date_field == "local_date":
        rows = rows.filter(local_date__gte=start, local_date__lte=end)
    elif spec.date_field:
        tz = timezone.get_current_timezone()
        since = datetime.combine(start, time.min, tzinfo=tz)
        until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
        rows = rows.filter(**{f"{spec.date_field}__gte": since, f"{spec.date_field}__lt": until})
    names = _names(facility)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_header(f) for f in fields])
    yield BOM + buffer.getvalue()
    order = [spec.date_field, "pk"] if spec.date_field else ["pk"]
    for row in rows.order_by(*order).values_list(*[f.attname for f in fields]).iterator(2000):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(v, f, names) for v, f in zip(row, fields, strict=True)])
        yield buffer.getvalue()


def export_csv(facility: Any, kind: str, start: date, end: date) -> tuple[Iterator[str], str]:
    spec = EXPORTS[kind]
    name = f"{spec.file_label} {facility.code} {start:%d-%m-%Y} đến {end:%d-%m-%Y}.csv"
    return _rows(facility, spec, start, end), name
