"""A fact reported twice is one fact (docs/care-events.md): two nurses recording the same
death, or the same hospital stay, are one death and one stay in the monthly report,
whichever report reached the server first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from server.care.models import Resident
from tests.events import event
from tests.factories import ResidentFactory


def phone(make_api, username):
    client = make_api()
    client.login(username)
    return client


def push(client, ev) -> dict:
    response = client.sync([ev])
    assert response.status_code == 200, response.content
    return response.json()["results"][0]


def report(make_api, facility, when) -> dict:
    month = timezone.localtime(when).strftime("%Y-%m")
    response = phone(make_api, "manager").get(
        f"/api/reports/monthly?facility={facility.id}&month={month}"
    )
    assert response.status_code == 200, response.content
    return response.json()["residents"]


@pytest.mark.parametrize("arrival", ["in order", "later report first"])
@pytest.mark.parametrize(
    ("status", "figure"), [("deceased", "deaths"), ("in_hospital", "hospital_transfers")]
)
def test_two_reports_of_one_move_count_once(centre, make_api, status, figure, arrival):
    resident = ResidentFactory(area=centre.elderly)
    first_at = timezone.now() - timedelta(minutes=10)
    reports = [
        (phone(make_api, "nurse"), first_at),
        (phone(make_api, "manager"), first_at + timedelta(minutes=4)),
    ]
    if arrival != "in order":
        reports.reverse()
    results = [
        push(
            client,
            event("resident.transfer", {"resident_id": resident.id, "status": status}, at=at),
        )
        for client, at in reports
    ]
    if arrival == "in order":
        assert [r["status"] for r in results] == ["applied", "merged"]
    resident.refresh_from_db()
    assert (resident.status, resident.version) == (status, 2)
    assert report(make_api, centre.facility, first_at)[figure] == 1


def test_a_second_stay_after_a_return_is_a_second_stay(centre, make_api):
    resident = ResidentFactory(area=centre.elderly)
    nurse = phone(make_api, "nurse")
    start = timezone.now() - timedelta(minutes=30)
    for minutes, status in [
        (0, "in_hospital"),
        (5, "in_hospital"),
        (10, "present"),
        (15, "in_hospital"),
    ]:
        push(
            nurse,
            event(
                "resident.transfer",
                {"resident_id": resident.id, "status": status},
                at=start + timedelta(minutes=minutes),
            ),
        )
    assert Resident.objects.get(id=resident.id).status == "in_hospital"
    assert report(make_api, centre.facility, start)["hospital_transfers"] == 2
