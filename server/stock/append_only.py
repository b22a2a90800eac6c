"""The stock book (`StockMove`) is append-only in the database, like the eMAR: a wrong line is
corrected by a count or an adjustment, never edited (server/meds/append_only.py says how)."""

from __future__ import annotations

from server.meds.append_only import Guard

STOCK = Guard(
    tables=("stock_stockmove",),
    message="sổ kho thuốc chỉ được ghi thêm, không được sửa hay xóa (append-only)",
    function="stock_append_only",
)
