"""The medicine stock phones hold, each declared once (sync/types.py derives the rest).

Scope "staff": nurses and managers pull them, carers and kitchen staff never (nor the
conflicts about them). Changes stored before this carry a fake area no area has
(5a0c7e1d-…-000000000057); the pull filter drops them for carers by their type as well.
"""

from __future__ import annotations

from server.stock.models import Medicine, StockLevel
from server.stock.serializers import medicine_data, stock_level_data
from sync.types import STAFF, SyncedType, declare

declare(
    SyncedType(
        "medicine",
        Medicine,
        medicine_data,
        scope=STAFF,
        dashboard=("name", "strength", "unit", "controlled"),
    )
)
declare(
    SyncedType(
        "stock_level",
        StockLevel,
        # A handler passes the lots it holds (`lots=`), the admin and seeding let it load them.
        stock_level_data,
        scope=STAFF,
        dashboard=("medicine_id", "funding_source", "quantity", "unit", "low", "earliest_expiry"),
    )
)
