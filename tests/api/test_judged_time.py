"""The server judges time it can judge (docs/care-events.md): a device time more than five
minutes ahead of the server's receipt is judged, and stored, as the receipt time, and
flagged `clock_skew`. A fast or forged clock used to move a sample's keep_until, let a
PRN dose through, and pin a resident's status in the year 2100."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from server.care.models import Resident, ResidentTransfer
from server.kitchen.models import FoodSample
from server.meds.models import MedicationAdministration
from sync.models import Conflict
from sync.protocol import judged_time
from tests.events import event
from tests.factories import MedicationOrderFactory, ResidentFactory


def result_of(api, name, args, at=None):
    response = api.sync([event(name, args, at=at)])
    assert response.status_code == 200, response.content
    return response.json()["results"][0]


def phone(make_api, username):
    client = make_api()
    client.login(username)
    return client


def test_judged_time_keeps_the_past_and_a_small_skew_and_clamps_the_rest():
    now = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    assert judged_time(now - timedelta(days=2), now) == now - timedelta(days=2)
    assert judged_time(now + timedelta(minutes=5), now) == now + timedelta(minutes=5)
    assert judged_time(now + timedelta(minutes=5, seconds=1), now) == now
    assert judged_time(datetime(2100, 1, 1, tzinfo=UTC), now) == now


@pytest.mark.parametrize("ahead", [timedelta(days=3), timedelta(hours=25)])
def test_a_sample_discarded_from_a_fast_phone_is_an_early_discard(centre, make_api, ahead):
    cook = phone(make_api, "kitchen")
    sample_id = str(uuid.uuid4())
    recorded = result_of(
        cook,
        "food_sample.record",
        {
            "sample_id": sample_id,
            "meal": "lunch",
            "dish": "Cá kho",
            "quantity": 120,
            "unit": "g",
            "taken_at": timezone.now().isoformat(),
        },
    )
    assert recorded["status"] == "applied"
    fast = phone(make_api, "manager")
    result = result_of(
        fast, "food_sample.discard", {"sample_id": sample_id}, at=timezone.now() + ahead
    )
    assert (result["status"], result["code"]) == ("conflict", "early_discard")
    assert "clock_skew" in result["flags"]
    sample = FoodSample.objects.get(id=sample_id)
    assert sample.discarded_at < timezone.now() + timedelta(minutes=1)
    assert Conflict.objects.get(id=result["conflict_id"]).kind == "early_discard"


def test_a_discard_time_among_the_args_is_judged_the_same_way(centre, make_api):
    cook = phone(make_api, "kitchen")
    sample_id = str(uuid.uuid4())
    result_of(
        cook,
        "food_sample.record",
        {
            "sample_id": sample_id,
            "meal": "lunch",
            "dish": "Cá kho",
            "quantity": 120,
            "unit": "g",
            "taken_at": timezone.now().isoformat(),
        },
    )
    later = (timezone.now() + timedelta(days=2)).isoformat()
    result = result_of(cook, "food_sample.discard", {"sample_id": sample_id, "at": later})
    assert (result["status"], result["code"]) == ("conflict", "early_discard")


def test_a_transfer_dated_2100_does_not_pin_the_residents_status(centre, make_api):
    resident = ResidentFactory(area=centre.elderly)
    nurse = phone(make_api, "nurse")
    forged = result_of(
        nurse,
        "resident.transfer",
        {"resident_id": resident.id, "status": "in_hospital", "place": "BV tỉnh"},
        at=datetime(2100, 1, 1, tzinfo=UTC),
    )
    assert forged["status"] == "applied" and "clock_skew" in forged["flags"]
    stored = ResidentTransfer.objects.get(event_id=forged["id"])
    assert stored.at < timezone.now() + timedelta(minutes=1)
    back = result_of(
        nurse,
        "resident.transfer",
        {"resident_id": resident.id, "status": "present"},
        at=timezone.now() + timedelta(seconds=30),
    )
    assert back["status"] == "applied"
    assert Resident.objects.get(id=resident.id).status == "present"


def test_a_prn_dose_from_a_fast_phone_is_judged_against_the_interval(centre, make_api):
    resident = ResidentFactory(area=centre.elderly)
    prn = MedicationOrderFactory(
        resident=resident, drug="Paracetamol", times=[], prn=True, min_interval_minutes=240
    )
    nurse = phone(make_api, "nurse")

    def dose(at):
        args = {"administration_id": str(uuid.uuid4()), "order_id": prn.id, "prn": True}
        return result_of(nurse, "med.administer", {**args, "outcome": "given"}, at=at)

    assert dose(timezone.now())["status"] == "applied"
    second = dose(timezone.now() + timedelta(hours=5))
    assert (second["status"], second["code"]) == ("conflict", "prn_interval")
    assert "clock_skew" in second["flags"]
    stored = MedicationAdministration.objects.get(
        id=Conflict.objects.get().details["administration_id"]
    )
    assert stored.at < timezone.now() + timedelta(minutes=1)
