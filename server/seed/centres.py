"""What the two demo centres hold, from what they published (docs/domain.md, "Sources").

Bạc Liêu (its nine-month review, Sep 2022): 80 residents: 48 lonely elderly (27 disabled), 28 children
(11 disabled), 2 Agent Orange victims (men), 2 emergency protection (one elderly, one abused
child); psychiatric medicines monthly from the provincial psychiatric hospital; six severely
disabled elderly died in nine months. Nam Định (two articles on it): 152 residents at the main
site, with psychiatric treatment a named strength; its mix by category is not published, so
the split below is an assumption of the same kinds.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Group:
    """A block of residents of one primary category."""

    key: str
    count: int
    primary: str
    area: str  # area code of the non-severe ones; severe ones go to "special"
    disabled: int = 0  # how many also carry the "disability" category
    severe: int = 0  # of the disabled, how many are severely disabled (khuyết tật đặc biệt nặng)
    psychiatric: int = 0  # how many also carry "psychiatric" (not counting a psychiatric primary)
    ages: tuple[int, int] = (60, 90)
    men_share: float = 0.45
    extra: tuple[str, ...] = ()  # categories every member carries
    source: str = "Quyết định tiếp nhận của Sở LĐ-TB&XH"


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    kind: str = "care"
    room_prefix: str = ""


@dataclass(frozen=True)
class UserSpec:
    username: str
    full_name: str
    role: str
    areas: tuple[str, ...] = ()


@dataclass(frozen=True)
class Centre:
    code: str
    name: str
    province: str
    region: str
    areas: tuple[AreaSpec, ...]
    groups: tuple[Group, ...]
    users: tuple[UserSpec, ...]
    med_residents: int  # about how many residents have medication orders
    trips: tuple[str, ...] = ("10:30", "16:30")
    settings: dict = field(default_factory=dict)

    @property
    def report_recipient(self) -> str:
        """Each centre reports to its province's Department (Sở LĐ-TB&XH)."""
        return f"Sở Lao động - Thương binh và Xã hội tỉnh {self.province}"


def handed_over(
    key: str,
    count: int,
    area: str,
    ages: tuple[int, int],
    men_share: float,
    source: str,
    *extra: str,
) -> Group:
    """People under emergency protection (bảo vệ khẩn cấp), handed over by a commune or ward
    rather than admitted by the Department's decision; `extra`: the categories they also carry."""
    return Group(
        key, count, "emergency", area, ages=ages, men_share=men_share, extra=extra, source=source
    )


# Who handed them over.
HUNG_HOI = "UBND xã Hưng Hội bàn giao (người già lang thang)"
WARD_5 = "UBND phường 5 bàn giao (trẻ em bị bạo hành)"
WANDERERS = "UBND xã bàn giao (người lang thang)"

COMMON_AREAS = (
    AreaSpec("elderly", "Khu người cao tuổi", room_prefix="A"),
    AreaSpec("children", "Khu trẻ em", room_prefix="B"),
    AreaSpec("special", "Khu chăm sóc đặc biệt", room_prefix="C"),
    AreaSpec("kitchen", "Bếp ăn tập thể", kind="kitchen"),
    AreaSpec("vehicle", "Xe chở thức ăn", kind="vehicle"),
)

BAC_LIEU = Centre(
    code="bac-lieu",
    name="Trung tâm Bảo trợ xã hội tỉnh Bạc Liêu",
    province="Bạc Liêu",
    region="south",
    areas=COMMON_AREAS,
    # Rows in Group's order: key, count, primary category, area, how many also disabled, of
    # them severely, how many also psychiatric, ages, men's share.
    groups=(
        Group("elderly", 48, "lonely_elderly", "elderly", 27, 10, 5, (62, 94), 0.45),
        Group("child", 28, "child", "children", 11, 4, 0, (2, 16), 0.5),
        Group("dioxin", 2, "agent_orange", "special", 2, 1, 0, (38, 55), 1.0),
        handed_over("emergency-elderly", 1, "elderly", (70, 80), 1.0, HUNG_HOI, "lonely_elderly"),
        handed_over("emergency-child", 1, "children", (8, 11), 0.0, WARD_5, "child"),
    ),
    users=(
        UserSpec("carer.bl1", "Nguyễn Thị Mỹ Duyên", "carer", ("elderly", "special")),
        UserSpec("carer.bl2", "Trần Văn Lâm", "carer", ("elderly",)),
        UserSpec("carer.bl3", "Lê Thị Kiều Oanh", "carer", ("children",)),
        UserSpec("kitchen.bl", "Huỳnh Thị Bé Ba", "kitchen", ("kitchen", "vehicle")),
        UserSpec("nurse.bl", "Phạm Ngọc Hân", "nurse"),
        UserSpec("manager.bl", "Tô Hồng Nguyên", "manager"),
    ),
    med_residents=30,
)

NAM_DINH = Centre(
    code="nam-dinh",
    name="Trung tâm Bảo trợ xã hội tổng hợp tỉnh Nam Định",
    province="Nam Định",
    region="north",
    areas=(
        *COMMON_AREAS[:3],
        AreaSpec("psychiatric", "Khu điều trị phục hồi tâm thần", room_prefix="D"),
        *COMMON_AREAS[3:],
    ),
    groups=(
        Group("elderly", 62, "lonely_elderly", "elderly", 28, 9, 4, (60, 95), 0.45),
        Group("child", 36, "child", "children", 20, 6, 0, (3, 16), 0.55),
        Group("psychiatric", 40, "psychiatric", "psychiatric", 8, 0, 0, (25, 70), 0.6),
        Group("disability", 6, "disability", "special", 6, 3, 0, (20, 50), 0.5),
        Group("dioxin", 4, "agent_orange", "special", 4, 2, 0, (35, 55), 0.75),
        handed_over("emergency", 4, "elderly", (55, 85), 0.5, WANDERERS),
    ),
    users=(
        UserSpec("carer.nd1", "Vũ Thị Thu Hà", "carer", ("elderly",)),
        UserSpec("manager.nd", "Trần Quốc Khánh", "manager"),
    ),
    med_residents=60,
)

CENTRES = (BAC_LIEU, NAM_DINH)

# Medicines: (drug, dose, times, funding, unit cost in đồng, indication, extra fields).
MedSpec = tuple[str, str, list[str], str, int, str, dict]

SCHEDULED: tuple[MedSpec, ...] = (
    ("Amlodipin 5mg", "1 viên", ["07:00"], "bhyt", 450, "Tăng huyết áp", {}),
    ("Metformin 500mg", "1 viên", ["07:00", "17:00"], "bhyt", 350, "Đái tháo đường típ 2", {}),
    ("Omeprazol 20mg", "1 viên", ["06:00"], "bhyt", 700, "Viêm loét dạ dày", {}),
    ("Calci D3", "1 viên", ["08:00"], "donated", 1500, "Loãng xương", {}),
    ("Vitamin 3B", "1 viên", ["11:30"], "budget", 300, "Bồi dưỡng thần kinh", {}),
    (
        "Natri valproat 200mg",
        "1 viên",
        ["07:00", "19:00"],
        "bhyt",
        2500,
        "Động kinh",
        {"time_critical": True},
    ),
)
CHILD_MEDS: tuple[MedSpec, ...] = (
    ("Siro Vitamin C", "5ml", ["08:00"], "donated", 800, "Tăng sức đề kháng", {}),
    (
        "Natri valproat 200mg",
        "1/2 viên",
        ["07:00", "19:00"],
        "bhyt",
        1250,
        "Động kinh",
        {"time_critical": True},
    ),
)
CONTROLLED: tuple[MedSpec, ...] = (
    ("Haloperidol 1,5mg", "1 viên", ["07:00", "19:00"], "bhyt", 600, "Tâm thần phân liệt", {}),
    ("Olanzapin 10mg", "1 viên", ["20:00"], "bhyt", 4200, "Tâm thần phân liệt", {}),
    ("Diazepam 5mg", "1 viên", ["21:00"], "bhyt", 350, "Mất ngủ, lo âu", {}),
)
PRN: tuple[MedSpec, ...] = (
    (
        "Paracetamol 500mg",
        "1 viên",
        [],
        "budget",
        300,
        "Sốt, đau",
        {"min_interval_minutes": 360, "max_per_24h": 4},
    ),
    (
        "Loperamid 2mg",
        "1 viên",
        [],
        "budget",
        400,
        "Tiêu chảy",
        {"min_interval_minutes": 240, "max_per_24h": 4},
    ),
    (
        "Haloperidol 5mg/1ml (tiêm)",
        "1 ống",
        [],
        "bhyt",
        5500,
        "Kích động",
        {"min_interval_minutes": 480, "max_per_24h": 2, "controlled": True, "route": "tiêm bắp"},
    ),
)
# The PRN twin of a scheduled drug (server/seed/stock.py PRN_SUFFIX): one stock for both.
PRN_SHARED: MedSpec = (
    "Haloperidol 1,5mg (khi cần)",
    "1 viên",
    [],
    "bhyt",
    600,
    "Kích động",
    {"min_interval_minutes": 480, "max_per_24h": 2, "controlled": True},
)

MEALS = (
    ("breakfast", "Bữa sáng", "06:30"),
    ("lunch", "Bữa trưa", "11:00"),
    ("dinner", "Bữa tối", "17:00"),
)
