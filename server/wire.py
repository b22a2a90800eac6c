"""A row's fields as the `data` of a change (docs/care-events.md, "Change types").

The wire form is the same for every record type: ids as strings, dates and times in ISO 8601,
decimals as JSON numbers, everything else as stored. A serializer names the fields it sends,
in order, separated by spaces (as `namedtuple` takes them); a link sends its id (`by` sends
the `by_id` value), and a name that is not a field (a property, such as a dose's `void`) is
read as it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache, partial
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models


@lru_cache(maxsize=4096)
def _uuid_text(value: uuid.UUID) -> str:
    # A push serializes every task it completes: the facility, area, resident, routine and
    # carer ids repeat across them, and UUID.__str__ is Python code (~1 µs each).
    return str(value)


# Exact types answered by one lookup (a push serializes ~17 fields per completed task);
# subclasses and anything else take the isinstance path below.
_AS_IS = frozenset({str, int, float, bool, type(None), dict, list})
_CONVERT: dict[type, Callable[[Any], Any]] = {
    uuid.UUID: _uuid_text,
    datetime: datetime.isoformat,
    date: date.isoformat,
    Decimal: float,
}


def wire_value(value: Any) -> Any:
    kind = type(value)
    if kind in _AS_IS:
        return value
    convert = _CONVERT.get(kind)
    if convert is not None:
        return convert(value)
    if isinstance(value, uuid.UUID):
        return _uuid_text(value)
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


@cache
def _reads(model: type[models.Model], names: str) -> tuple[tuple[str, str, bool], ...]:
    """(key, attribute, is a decimal) per name, looked up once per model and list, not per row."""
    reads = []
    for name in names.split():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if isinstance(field, models.Field):
            reads.append((name, field.attname, isinstance(field, models.DecimalField)))
        else:
            reads.append((name, name, False))
    return tuple(reads)


def row_data(row: models.Model, names: str) -> dict[str, Any]:
    out = {}
    # A loaded column's value is in the instance's dict, where its descriptor would read it
    # (a link's id through a Python __get__): read there; anything else through getattr.
    held = row.__dict__
    for name, attname, decimal in _reads(type(row), names):
        value = held[attname] if attname in held else getattr(row, attname)
        if decimal and value is not None:
            value = float(value)  # a row not read back may still hold the int it was given
        out[name] = wire_value(value)
    return out


def fields_data(names: str) -> Callable[[models.Model], dict[str, Any]]:
    """A change type's `data` that is just these fields of the row (`row_data`)."""
    return partial(row_data, names=names)
