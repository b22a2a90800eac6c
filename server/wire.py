"""A row's fields as the `data` of a change (docs/care-events.md, "Change types").

The wire form is the same for every record type: ids as strings, dates and times in ISO 8601,
decimals as JSON numbers, everything else as stored. A serializer names the fields it sends,
in order, separated by spaces (as `namedtuple` takes them); a link sends its id (`by` sends
the `by_id` value), and a name that is not a field (a property, such as a dose's `void`) is
read as it is.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models


def wire_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def row_data(row: models.Model, names: str) -> dict[str, Any]:
    out = {}
    for name in names.split():
        try:
            field = row._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if not isinstance(field, models.Field):
            out[name] = wire_value(getattr(row, name))
            continue
        value = getattr(row, field.attname)
        if isinstance(field, models.DecimalField) and value is not None:
            value = float(value)  # a row not read back may still hold the int it was given
        out[name] = wire_value(value)
    return out
