"""The rota (lịch trực): who works which shift of which day, in which areas.

The dashboard's "on shift" comes from here, not from who happened to record something
(docs/domain.md, "Staffing norms"). Shift names are the facility's own (`dashboard_shifts`).
Other apps are referenced by label only, so the demo seed and the dashboard may both read
the rota without tying the apps into a cycle (tests/unit/test_import_graph.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from server.model_fields import facility_fk, made_id, names


class RotaEntry(models.Model):
    id = made_id()
    facility = facility_fk("rota")
    date = models.DateField(_("ngày"))
    shift = models.CharField(
        "ca", max_length=20, help_text=_("Tên ca theo cài đặt của trung tâm, ví dụ day, night.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="rota_entries",
        verbose_name=_("nhân viên chăm sóc"),
    )
    areas = models.ManyToManyField(
        "care.Area",
        blank=True,
        related_name="rota_entries",
        verbose_name="khu",
        help_text=_("Để trống: chỉ tính vào tổng của toàn trung tâm."),
    )
    note = models.CharField(_("ghi chú"), max_length=200, blank=True)

    Meta = names(
        _("lịch trực"),
        ordering=("-date", "shift"),
        constraints=[
            models.UniqueConstraint(
                fields=["facility", "date", "shift", "user"], name="rota_one_entry_per_shift"
            )
        ],
        indexes=[models.Index(fields=["facility", "date", "shift"], name="rota_shift")],
    )

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} · {self.shift} · {self.user}"
