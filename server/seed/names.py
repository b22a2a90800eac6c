"""Vietnamese names, generated deterministically (same seed, same people, every run)."""

from __future__ import annotations

import random

# Family names by region: the Mekong delta (Bạc Liêu, with Khmer and Hoa families) and the Red
# River delta (Nam Định). Weighted by repetition, as Nguyễn, Trần and Lê dominate everywhere.
FAMILY_SOUTH = (
    ["Nguyễn"] * 6
    + ["Trần"] * 3
    + ["Lê"] * 3
    + ["Huỳnh"] * 2
    + ["Phạm"] * 2
    + [
        "Võ",
        "Phan",
        "Trương",
        "Lâm",
        "Thạch",
        "Danh",
        "Lý",
        "Quách",
        "Dương",
        "Đặng",
        "Hồ",
        "Tô",
        "Châu",
    ]
)
FAMILY_NORTH = (
    ["Nguyễn"] * 6
    + ["Trần"] * 4
    + ["Phạm"] * 3
    + ["Vũ"] * 2
    + ["Đỗ"] * 2
    + [
        "Lê",
        "Hoàng",
        "Đinh",
        "Mai",
        "Ninh",
        "Lương",
        "Bùi",
        "Đặng",
        "Ngô",
        "Cao",
        "Đoàn",
        "Tống",
        "Triệu",
    ]
)
MIDDLE = {
    "M": ["Văn"] * 5 + ["Hữu", "Minh", "Quốc", "Đức", "Thanh", "Công", "Ngọc", "Xuân"],
    "F": ["Thị"] * 6 + ["Ngọc", "Thu", "Kim", "Mỹ", "Thanh", "Hồng", "Bích"],
}
# Given names of older generations differ from children's; both are listed.
GIVEN_OLD = {
    "M": [
        "Hai",
        "Ba",
        "Tư",
        "Năm",
        "Sáu",
        "Bảy",
        "Tám",
        "Chín",
        "Út",
        "Lợi",
        "Phúc",
        "Tài",
        "Thành",
        "Sơn",
        "Hùng",
        "Dũng",
        "Bình",
        "Hòa",
        "Thắng",
        "Lộc",
        "Quý",
        "Tâm",
        "Đức",
        "Khánh",
        "Thọ",
    ],
    "F": [
        "Lan",
        "Hoa",
        "Cúc",
        "Đào",
        "Mai",
        "Hồng",
        "Nga",
        "Liên",
        "Tuyết",
        "Hạnh",
        "Lựu",
        "Nhung",
        "Xuân",
        "Thu",
        "Sen",
        "Huệ",
        "Yến",
        "Gấm",
        "Bông",
        "Mận",
        "Năm",
        "Út",
        "Phượng",
        "Thoa",
    ],
}
GIVEN_YOUNG = {
    "M": [
        "An",
        "Bảo",
        "Khang",
        "Huy",
        "Minh",
        "Nam",
        "Phát",
        "Quân",
        "Tín",
        "Khoa",
        "Long",
        "Hiếu",
        "Đạt",
        "Thịnh",
        "Nhân",
        "Tuấn",
        "Vinh",
        "Kiệt",
        "Duy",
        "Hưng",
    ],
    "F": [
        "Vy",
        "Ngân",
        "Trang",
        "Thảo",
        "Linh",
        "Hân",
        "My",
        "Nhi",
        "Quỳnh",
        "Trâm",
        "Yến",
        "Diễm",
        "Tiên",
        "Thư",
        "Hà",
        "Châu",
        "Ngọc",
        "Như",
        "Uyên",
        "Giang",
    ],
}


class NameMaker:
    """Distinct full names for one centre, the same on every run for the same seed."""

    def __init__(self, seed: str, region: str) -> None:
        self.rng = random.Random(seed)
        self.family = FAMILY_SOUTH if region == "south" else FAMILY_NORTH
        self.used: set[str] = set()

    def full_name(self, sex: str, young: bool) -> str:
        given = (GIVEN_YOUNG if young else GIVEN_OLD)[sex]
        for _ in range(200):
            name = " ".join(
                [self.rng.choice(self.family), self.rng.choice(MIDDLE[sex]), self.rng.choice(given)]
            )
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("name lists too short for this centre")  # pragma: no cover
