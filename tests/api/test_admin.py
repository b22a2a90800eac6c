"""The Django admin: every model is there, and edits of synced records reach the phones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from server.accounts.models import User
from server.care.admin_sync import publish_known
from server.care.horizon import local_today, tasks_materialise
from server.care.models import Resident, Routine, TaskInstance
from sync.models import Change
from tests.factories import (
    DeviceFactory,
    MedicationOrderFactory,
    ResidentFactory,
    RoutineFactory,
    TaskFactory,
    UserFactory,
)


@pytest.fixture
def boss(db) -> Client:
    user = User.objects.create_superuser("boss", "", "test-pass-123")
    client = Client()
    client.force_login(user)
    return client


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_it_lists_every_model_of_every_app_in_the_admin(centre, boss):
    resident = ResidentFactory(area=centre.elderly)
    TaskFactory(resident=resident)
    MedicationOrderFactory(resident=resident)
    from django.apps import apps

    # Every app of the project, so a new app's models cannot be left out of the admin.
    ours = [c.label for c in apps.get_app_configs() if c.name.startswith(("server.", "sync"))]
    assert {"accounts", "care", "meds", "kitchen", "hygiene", "sync", "rota"} <= set(ours)
    for label in ours:
        for model in apps.get_app_config(label).get_models():
            assert admin.site.is_registered(model), model
            response = boss.get(_url(model, "changelist"))
            assert response.status_code == 200, (model, response.status_code)
            assert model._meta.verbose_name_plural.encode() in response.content or label == "sync"


def test_it_shows_add_forms_for_what_a_manager_sets_up(boss):
    from server.accounts.models import Membership
    from server.care.models import Area, Facility
    from server.meds.models import MedicationOrder

    for model in (Facility, Area, Resident, Routine, MedicationOrder, Membership, User):
        assert boss.get(_url(model, "add")).status_code == 200, model


def _resident_form(resident: Resident, **changes) -> dict:
    data = {
        "facility": resident.facility_id,
        "area": resident.area_id,
        "full_name": resident.full_name,
        "sex": "F",
        "room": resident.room,
        "categories": ["lonely_elderly"],
        "primary_category": "lonely_elderly",
        "status": resident.status,
        "birth_date": "",
        "admitted_on": "",
        "status_place": "",
        "diet_note": "",
        "admission_source": "",
    }
    data.update(changes)
    return data


def test_it_publishes_a_resident_edited_in_the_admin(centre, boss):
    resident = ResidentFactory(area=centre.elderly)
    response = boss.post(
        _url(Resident, "change", resident.pk), _resident_form(resident, diet_note="Ăn nhạt")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    resident.refresh_from_db()
    assert (resident.diet_note, resident.version) == ("Ăn nhạt", 2)
    change = Change.objects.get(type="resident", record_id=resident.id)
    assert (
        change.data["diet_note"] == "Ăn nhạt"
        and change.version == 2
        and change.area_id == centre.elderly.id
    )


def test_it_refuses_a_resident_in_another_centres_area(centre, boss):
    resident = ResidentFactory(area=centre.elderly)
    other_area = ResidentFactory(area__facility=centre.other_facility).area
    response = boss.post(
        _url(Resident, "change", resident.pk), _resident_form(resident, area=other_area.id)
    )
    assert response.status_code == 200 and "không thuộc trung tâm" in response.content.decode()
    assert not Change.objects.exists()


def test_it_reruns_the_horizon_when_a_routine_is_added(centre, boss):
    resident = ResidentFactory(area=centre.elderly)
    response = boss.post(
        _url(Routine, "add"),
        {
            "facility": centre.facility.id,
            "kind": "sun_exposure",
            "title": "Tắm nắng",
            "resident": resident.id,
            "times": '["08:00"]',
            "weekdays": "[]",
            "window_before_minutes": 30,
            "window_after_minutes": 60,
            "details": "{}",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    tasks = TaskInstance.objects.filter(resident=resident, kind="sun_exposure")
    assert tasks.count() >= 1
    assert (
        Change.objects.filter(type="task", record_id__in=tasks.values("id")).count()
        == tasks.count()
    )


def test_it_refuses_a_routine_with_a_malformed_time(centre, boss):
    resident = ResidentFactory(area=centre.elderly)
    response = boss.post(
        _url(Routine, "add"),
        {
            "facility": centre.facility.id,
            "kind": "meal",
            "title": "Bữa trưa",
            "resident": resident.id,
            "times": '["11h"]',
            "weekdays": "[]",
            "window_before_minutes": 30,
            "window_after_minutes": 60,
            "details": "{}",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert not Routine.objects.exists() and not TaskInstance.objects.exists()


def test_it_tells_phones_when_a_resident_entered_by_mistake_is_deleted(centre, boss):
    resident = ResidentFactory(area=centre.elderly)
    order = MedicationOrderFactory(resident=resident)
    response = boss.post(_url(Resident, "delete", resident.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Resident.objects.filter(pk=resident.pk).exists()
    deleted = {(c.type, c.record_id) for c in Change.objects.filter(op="delete")}
    assert ("resident", resident.id) in deleted
    if publish_known("meds.MedicationOrder"):
        assert ("med_order", order.id) in deleted


def test_it_keeps_a_resident_with_a_care_history_from_being_deleted(centre, boss):
    resident = ResidentFactory(area=centre.elderly)
    TaskFactory(resident=resident)
    response = boss.post(_url(Resident, "delete", resident.pk), {"post": "yes"})
    assert response.status_code == 403  # tasks are records: discharge the resident instead
    assert Resident.objects.filter(pk=resident.pk).exists() and not Change.objects.exists()


def test_it_keeps_a_carer_who_did_a_task_from_being_deleted(centre, boss):
    carer = UserFactory()
    task = TaskFactory(resident=ResidentFactory(area=centre.elderly), status="done", done_by=carer)
    response = boss.post(_url(User, "delete", carer.pk), {"post": "yes"})
    # Django's "cannot delete" page: who did it stays on the record (deactivate instead).
    assert response.status_code == 200 and "Không thể xóa" in response.content.decode()
    task.refresh_from_db()
    assert task.done_by == carer and User.objects.filter(pk=carer.pk).exists()
    idle = UserFactory()
    assert boss.post(_url(User, "delete", idle.pk), {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=idle.pk).exists()


def test_it_revokes_devices_with_the_admin_action(centre, boss, api):
    api.login("carer")
    device = DeviceFactory()
    response = boss.post(
        _url(type(device), "changelist"),
        {"action": "devices_revoke", "_selected_action": [api.device_id, device.id]},
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.revoked
    assert api.get("/api/auth/me").json()["code"] == "device_revoked"


def _tomorrow_tasks(resident) -> None:
    RoutineFactory(resident=resident, times=["06:30", "11:00"])
    tasks_materialise(facility=resident.facility, today=local_today() + timedelta(days=1), days=1)


def test_it_makes_the_tasks_ahead_away_when_the_admin_sends_a_resident_to_hospital(centre, boss):
    resident = ResidentFactory(area=centre.elderly)
    _tomorrow_tasks(resident)
    response = boss.post(
        _url(Resident, "change", resident.pk),
        _resident_form(resident, status="in_hospital", status_place="Bệnh viện tỉnh"),
    )
    assert response.status_code == 302
    tasks = TaskInstance.objects.filter(resident=resident)
    assert set(tasks.values_list("status", flat=True)) == {"away"}
    assert all(
        c.data["status"] == "away" for c in Change.objects.filter(type="task", superseded=False)
    )
    transfer = resident.transfers.get()
    assert (transfer.previous_status, transfer.status, transfer.by.username) == (
        "present",
        "in_hospital",
        "boss",
    )


def test_it_closes_the_tasks_ahead_when_the_admin_discharges_a_resident(centre, boss):
    resident = ResidentFactory(area=centre.elderly)
    _tomorrow_tasks(resident)
    count = TaskInstance.objects.count()
    boss.post(_url(Resident, "change", resident.pk), _resident_form(resident, status="discharged"))
    assert TaskInstance.objects.count() == count  # kept, as the phones' transfer does
    assert set(TaskInstance.objects.values_list("status", flat=True)) == {"not_applicable"}


def test_it_moves_open_tasks_with_a_resident_moved_to_another_area(centre, boss):
    resident = ResidentFactory(area=centre.elderly)
    _tomorrow_tasks(resident)
    boss.post(
        _url(Resident, "change", resident.pk), _resident_form(resident, area=centre.children.id)
    )
    assert set(TaskInstance.objects.values_list("area_id", flat=True)) == {centre.children.id}
    latest = Change.objects.filter(type="task", superseded=False)
    assert {c.area_id for c in latest} == {centre.children.id}


def test_it_refuses_a_resident_in_the_kitchen(centre, boss):
    """Kitchen staff see who lives in their area: a resident may only live in a care area."""
    resident = ResidentFactory(area=centre.elderly)
    response = boss.post(
        _url(Resident, "change", resident.pk), _resident_form(resident, area=centre.kitchen_area.id)
    )
    assert response.status_code == 200 and "khu nuôi dưỡng" in response.content.decode()
    resident.refresh_from_db()
    assert resident.area_id == centre.elderly.id
    assert not Change.objects.exists()
