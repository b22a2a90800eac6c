"""Small leaks: a resident moved into the kitchen became visible to kitchen staff, and the
words of a refusal told whether an area of another centre exists. An id out of reach now
gets the same `not_found` code and message, whether it exists elsewhere or nowhere."""

from __future__ import annotations

import uuid

import pytest

from server.care.models import Resident
from tests.events import event
from tests.factories import AreaFactory, ResidentFactory


def result_of(api, name, args):
    response = api.sync([event(name, args)])
    assert response.status_code == 200, response.content
    return response.json()["results"][0]


@pytest.mark.parametrize("kind", ["kitchen_area", "vehicle"])
def test_a_nurse_cannot_move_a_resident_out_of_the_care_areas(centre, make_api, kind):
    resident = ResidentFactory(area=centre.elderly)
    nurse = make_api()
    nurse.login("nurse")
    result = result_of(
        nurse,
        "resident.update",
        {
            "resident_id": resident.id,
            "base_version": resident.version,
            "fields": {"area_id": str(getattr(centre, kind).id)},
        },
    )
    assert (result["status"], result["code"]) == ("rejected", "not_care_area")
    assert Resident.objects.get(id=resident.id).area_id == centre.elderly.id
    kitchen = make_api()
    kitchen.login("kitchen")
    changes = kitchen.sync().json()["changes"]
    assert not [c for c in changes if c["type"] in ("resident", "med_order")]


def _outcomes(api, name, build):
    """The (status, code, message) of an event naming another centre's area, then a random id."""
    elsewhere = AreaFactory(facility=_other(api)).id
    out = []
    for area_id in (elsewhere, uuid.uuid4()):
        result = result_of(api, name, build(str(area_id)))
        out.append((result["status"], result["code"], result["message"]))
    return out


def _other(api):
    from server.care.models import Facility

    return Facility.objects.get(code="other-test")


@pytest.mark.parametrize(
    ("username", "name", "build"),
    [
        (
            "nurse",
            "disinfection.record",
            lambda a: {
                "record_id": str(uuid.uuid4()),
                "target": "area",
                "area_id": a,
                "concentration_pct": 0.25,
            },
        ),
        (
            "carer",
            "task.complete_bulk",
            lambda a: {"area_id": a, "local_date": "2026-11-30", "slot": "11:00"},
        ),
        (
            "nurse",
            "note.add",
            lambda a: {"note_id": str(uuid.uuid4()), "kind": "handover", "text": "x", "area_id": a},
        ),
        (
            "kitchen",
            "vehicle.trip",
            lambda a: {
                "trip_id": str(uuid.uuid4()),
                "area_id": a,
                "returned_at": "2026-11-30T10:00:00+07:00",
            },
        ),
    ],
)
def test_another_centres_area_reads_like_a_random_id(centre, api, username, name, build):
    api.login(username)
    elsewhere, random = _outcomes(api, name, build)
    assert elsewhere == random
    assert elsewhere[:2] == ("rejected", "not_found")


def test_another_centres_area_reads_like_a_random_id_for_a_resident_move(centre, api):
    resident = ResidentFactory(area=centre.elderly)
    api.login("nurse")
    elsewhere, random = _outcomes(
        api,
        "resident.update",
        lambda a: {"resident_id": resident.id, "base_version": 1, "fields": {"area_id": a}},
    )
    assert elsewhere == random and elsewhere[:2] == ("rejected", "not_found")
