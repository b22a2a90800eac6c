"""The demo centres' locked menus for the demo days: each dish on it is a sample the kitchen
owes (the expected samples of the kitchen screen and the dashboard's "dishes without a sample").

Three dishes a meal, rotating day by day, with the soups and porridges marked liquid so their
sample minimum is the liquid one (docs/domain.md). Ids come from the seed's own `sid`, so a
second run creates nothing and a dish edited in the admin is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from uuid import UUID

from server.care.models import Facility
from server.kitchen.models import MenuDish

# (dish, liquid) per meal; day n takes row n modulo the rows.
MENUS: dict[str, list[tuple[tuple[str, bool], ...]]] = {
    "breakfast": [
        (("Cháo thịt bằm", True), ("Trứng luộc", False), ("Chuối", False)),
        (("Bún nước thịt gà", True), ("Bánh bao", False), ("Sữa đậu nành", True)),
        (("Phở bò", True), ("Bánh mì", False), ("Đu đủ", False)),
    ],
    "lunch": [
        (("Cơm trắng", False), ("Cá kho tộ", False), ("Canh bí đỏ", True)),
        (("Cơm trắng", False), ("Thịt kho trứng", False), ("Canh rau muống", True)),
        (("Cơm trắng", False), ("Gà xào sả ớt", False), ("Canh chua cá", True)),
    ],
    "dinner": [
        (("Cơm trắng", False), ("Thịt heo luộc", False), ("Canh cải ngọt", True)),
        (("Cơm trắng", False), ("Đậu hũ sốt cà", False), ("Canh bầu", True)),
        (("Cơm trắng", False), ("Cá chiên", False), ("Canh mồng tơi", True)),
    ],
}


def menu_plan(facility: Facility, days: Sequence[date], sid: Callable[..., UUID]) -> list[MenuDish]:
    return [
        MenuDish(
            id=sid(facility.code, "menu", day, meal, dish),
            facility=facility,
            date=day,
            meal=meal,
            dish=dish,
            liquid=liquid,
            locked=True,
        )
        for day in days
        for meal, rows in MENUS.items()
        for dish, liquid in rows[day.toordinal() % len(rows)]
    ]
