"""What a report needs that the records do not hold: the centre's letterhead settings and
the director's own words for one period, kept until the report is sent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from server.model_fields import facility_fk, names, staff_fk, unique


class ReportSettings(models.Model):
    """Per centre: who it answers to, who signs, how its documents are numbered.

    The recipient agency itself stays on the facility (`report_recipient`): provinces moved
    social protection between departments in 2025, so it is a setting, never a constant.
    """

    facility = models.OneToOneField(
        "care.Facility",
        on_delete=models.CASCADE,
        related_name="report_settings",
        verbose_name=_("trung tâm"),
    )
    parent_agency = models.CharField(
        _("cơ quan chủ quản"),
        max_length=200,
        blank=True,
        help_text=_("Ví dụ: Sở Lao động - Thương binh và Xã hội tỉnh Bạc Liêu"),
    )
    place_name = models.CharField(
        _("địa danh ghi ngày tháng"), max_length=100, blank=True, help_text=_("Ví dụ: Bạc Liêu")
    )
    signer_title = models.CharField(_("chức danh người ký"), max_length=100, default="Giám đốc")
    director_name = models.CharField(_("họ tên người ký"), max_length=200, blank=True)
    number_pattern = models.CharField(
        _("số, ký hiệu văn bản"),
        max_length=60,
        default="{so}/BC-TTBTXH",
        help_text=_("{so} là số văn bản; để trống số thì văn thư điền tay."),
    )
    target_residents = models.PositiveIntegerField(
        _("chỉ tiêu đối tượng Sở giao"), null=True, blank=True
    )

    Meta = names(_("thiết lập báo cáo"))

    def __str__(self) -> str:
        return _("Thiết lập báo cáo · %(facility)s") % {"facility": self.facility}


class PeriodReport(models.Model):
    """One centre's report for one period ("2026-11", "2026-9m" or "2026"): the parts the
    director writes. Figures are never stored here: they are computed from the records."""

    facility = facility_fk("period_reports")
    period = models.CharField(_("kỳ báo cáo"), max_length=10)
    number = models.CharField(_("số văn bản"), max_length=20, blank=True)
    activities = models.TextField(_("các hoạt động chuyên môn khác"), blank=True)
    next_plan = models.TextField(_("phương hướng nhiệm vụ kỳ sau"), blank=True)
    proposals = models.TextField(_("đề xuất, kiến nghị"), blank=True)
    staff_permanent = models.PositiveIntegerField(_("viên chức (biên chế)"), null=True, blank=True)
    staff_contract = models.PositiveIntegerField(
        _("người lao động hợp đồng"), null=True, blank=True
    )
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)
    updated_by = staff_fk(_("người sửa"), optional=True)
    sent_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)
    sent_by = staff_fk(_("người gửi"), optional=True)

    Meta = names(
        _("báo cáo định kỳ"),
        constraints=[unique("report_facility_period", "facility", "period")],
    )

    def __str__(self) -> str:
        return _("Báo cáo %(period)s · %(facility)s") % {
            "period": self.period,
            "facility": self.facility,
        }
