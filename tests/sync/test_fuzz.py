"""Property: no input bends the record (docs/protocol.md, "Limits").

For every registered event name, args are built from its own args model, typed values mixed
with hostile ones (NUL, lone surrogates, NaN, huge integers, deep nesting, wrong types,
70 KB strings, extreme dates and decimals), and the envelope is sometimes hostile too. Each
batch also carries one valid note. Through the real endpoint:
- never a 5xx;
- the valid note is applied;
- when every hostile event was rejected, no table but the event log, the change log and
  the notes changed its row count.
300 examples in CI (CI=true), fewer locally.
"""

from __future__ import annotations

import json
import os
import typing
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from types import NoneType, UnionType
from typing import Any

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel

from server.care.models import Note
from sync import registry
from sync.models import Change, EventLog, Stream
from tests.factories import ResidentFactory, TaskFactory

settings.register_profile(
    "sync-fuzz",
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("sync-fuzz-ci", settings.get_profile("sync-fuzz"), max_examples=300)
PROFILE = settings.get_profile("sync-fuzz-ci" if os.environ.get("CI") else "sync-fuzz")

# Tables a batch may change whatever its hostile events say: the valid note's.
WRITTEN_BY_THE_VALID_EVENT = {EventLog, Change, Stream, Note}


def nested(levels: int) -> Any:
    value: Any = "đáy"
    for _ in range(levels):
        value = [value] if levels % 2 else {"x": value}
    return value


HOSTILE = st.one_of(
    st.sampled_from(["\x00", "ghi\x00chú", "\ud800", "a\udfffb", "x" * 70_000, "y" * 4001]),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e308, -0.0]),
    st.sampled_from([2**63, -(2**63) - 1, 2**100, 2**31, 10**18]),
    st.integers(min_value=33, max_value=60).map(nested),
    st.sampled_from([[], {}, [[[]]], {"a": {"b": None}}, True, None, "", 0]),
    st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0000-00-00"]),
    st.sampled_from(["1e-30", "1e30", "-1", "NaN", "1E+999", "0.0000001"]),
)


def typed(annotation: Any, ids: list[str]) -> st.SearchStrategy[Any]:
    """JSON values of the annotation's type, leaning to the edges of its range."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return typed(args[0], ids)
    if origin in (typing.Union, UnionType):
        return st.one_of([typed(a, ids) for a in args])
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin is list:
        return st.lists(typed(args[0] if args else Any, ids), max_size=3)
    if annotation is NoneType:
        return st.none()
    if annotation is uuid.UUID:
        return st.sampled_from(ids) | st.uuids().map(str)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(min_value=-(2**40), max_value=2**40)
    if annotation in (float, Decimal):
        return st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**6), 10**6)
    if annotation is date:
        return st.dates().map(date.isoformat)
    if annotation in (datetime, AwareDatetime):
        offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
        return st.datetimes(timezones=offsets).map(datetime.isoformat)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_args(annotation, ids)
    if annotation is str:
        return st.text(max_size=40) | st.sampled_from(["09:00", "11:00", "z" * 3999])
    return st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=3)


def model_args(model: type[BaseModel], ids: list[str]) -> st.SearchStrategy[dict]:
    fields = {
        name: st.one_of(typed(field.annotation, ids), HOSTILE)
        for name, field in model.model_fields.items()
    }
    return st.fixed_dictionaries(
        {n: s for n, s in fields.items() if model.model_fields[n].is_required()},
        optional={n: s for n, s in fields.items() if not model.model_fields[n].is_required()},
    )


@st.composite
def hostile_event(draw, ids: list[str]) -> Any:
    name = draw(st.sampled_from(registry.registered_names()))
    args = draw(model_args(registry.lookup(name).args_model, ids))
    if draw(st.booleans()):
        args[draw(st.text(max_size=10))] = draw(HOSTILE)
    envelope = {
        "id": str(uuid.uuid4()),
        "device_seq": draw(st.integers(min_value=1, max_value=10**6)),
        "name": name,
        "at": datetime.now(UTC).isoformat(),
        "hlc": "",
        "args": args,
    }
    spoil = draw(st.sampled_from(["none"] * 6 + ["id", "device_seq", "at", "hlc", "args", "all"]))
    if spoil == "all":
        return draw(HOSTILE)
    if spoil != "none":
        envelope[spoil] = draw(HOSTILE)
    return envelope


def counts() -> dict[str, int]:
    return {
        m._meta.label: m._base_manager.count()
        for m in apps.get_models()
        if m not in WRITTEN_BY_THE_VALID_EVENT and not m._meta.proxy
    }


@pytest.fixture
def known_ids(centre) -> list[str]:
    """Real ids, so that some hostile events reach their handlers' later stages."""
    resident = ResidentFactory(area=centre.elderly)
    tasks = [TaskFactory(resident=resident, kind=k) for k in ("meal", "custom", "disinfection")]
    return [
        str(x)
        for x in (
            centre.facility.id,
            centre.elderly.id,
            centre.kitchen_area.id,
            centre.vehicle.id,
            resident.id,
            centre.nurse.id,
            *(t.id for t in tasks),
        )
    ]


def test_no_hostile_batch_bends_the_record(centre, make_api, known_ids, settings):
    settings.SYNC_RATE_LIMIT = 0  # hundreds of calls from one phone are the point here
    phone = make_api()
    phone.login("nurse")  # a nurse may reach most events' handlers
    runs: list[int] = []

    @PROFILE
    @given(
        hostile=st.lists(hostile_event(known_ids), min_size=1, max_size=3),
        position=st.integers(min_value=0, max_value=3),
    )
    def check(hostile: list[Any], position: int) -> None:
        valid = {
            "id": str(uuid.uuid4()),
            "device_seq": 10**7,
            "name": "note.add",
            "at": datetime.now(UTC).isoformat(),
            "hlc": "",
            "args": {
                "note_id": str(uuid.uuid4()),
                "kind": "observation",
                "text": "Ổn định",
                "facility_id": known_ids[0],
            },
        }
        batch = [*hostile]
        batch.insert(min(position, len(batch)), valid)
        runs.append(len(batch))
        before = counts()
        body = {"protocol": 1, "device_id": phone.device_id, "cursor": None, "events": batch}
        response = phone.post("/api/sync/v1", json.dumps(body))
        assert response.status_code < 500, response.content[:500]
        assert response.status_code == 200, response.content[:500]
        results = response.json()["results"]
        assert len(results) == len(batch)
        mine = next(r for r in results if r.get("id") == valid["id"])
        assert mine["status"] == "applied", mine
        assert Note.objects.filter(id=valid["args"]["note_id"]).exists()
        if all(r["status"] == "rejected" for r in results if r.get("id") != valid["id"]):
            assert counts() == before

    check()
    assert len(runs) >= PROFILE.max_examples
