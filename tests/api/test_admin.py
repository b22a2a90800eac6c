"""The Django admin: every model is there, and edits of synced records reach the phones."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from server.accounts.models import User
from server.care.admin_sync import publish_known
from server.care.models import Resident, Routine, TaskInstance
from sync.models import Change
from tests.factories import DeviceFactory, MedicationOrderFactory, ResidentFactory, RoutineFactory, TaskFactory


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

    for label in ("accounts", "care", "meds", "kitchen", "hygiene", "sync"):
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
        "facility": resident.facility_id, "area": resident.area_id, "full_name": resident.full_name,
        "sex": "F", "room": resident.room, "categories": ["lonely_elderly"],
        "primary_category": "lonely_elderly", "status": resident.status, "birth_date": "",
        "admitted_on": "", "status_place": "", "diet_note": "", "admission_source": "",
    }
    data.update(changes)
    return data


def test_it_publishes_a_resident_edited_in_the_admin(centre, boss):
    resident = ResidentFactory(area=centre.elderly)
    response = boss.post(_url(Resident, "change", resident.pk), _resident_form(resident, diet_note="Ăn nhạt"))
    assert response.status_code == 302, response.content.decode()[:2000]
    resident.refresh_from_db()
    assert (resident.diet_note, resident.version) == ("Ăn nhạt", 2)
    change = Change.objects.get(type="resident", record_id=resident.id)
    assert change.data["diet_note"] == "Ăn nhạt" and change.version == 2 and change.area_id == centre.elderly.id


def test_it_refuses_a_resident_in_another_centres_area(centre, boss):
    resident = ResidentFactory(area=centre.elderly)
    other_area = ResidentFactory(area__facility=centre.other_facility).area
    response = boss.post(_url(Resident, "change", resident.pk), _resident_form(resident, area=other_area.id))
    assert response.status_code == 200 and "không thuộc trung tâm" in response.content.decode()
    assert not Change.objects.exists()


def test_it_reruns_the_horizon_when_a_routine_is_added(centre, boss):
    resident = ResidentFactory(area=centre.elderly)
    response = boss.post(_url(Routine, "add"), {
        "facility": centre.facility.id, "kind": "sun_exposure", "title": "Tắm nắng", "resident": resident.id,
        "times": '["08:00"]', "weekdays": "[]", "window_before_minutes": 30, "window_after_minutes": 60,
        "details": "{}", "active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    tasks = TaskInstance.objects.filter(resident=resident, kind="sun_exposure")
    assert tasks.count() >= 1
    assert Change.objects.filter(type="task", record_id__in=tasks.values("id")).count() == tasks.count()


def test_it_refuses_a_routine_with_a_malformed_time(centre, boss):
    resident = ResidentFactory(area=centre.elderly)
    response = boss.post(_url(Routine, "add"), {
        "facility": centre.facility.id, "kind": "meal", "title": "Bữa trưa", "resident": resident.id,
        "times": '["11h"]', "weekdays": "[]", "window_before_minutes": 30, "window_after_minutes": 60,
        "details": "{}", "active": "on",
    })
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


def test_it_revokes_devices_with_the_admin_action(centre, boss, api):
    api.login("carer")
    device = DeviceFactory()
    response = boss.post(_url(type(device), "changelist"),
                         {"action": "devices_revoke", "_selected_action": [api.device_id, device.id]})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.revoked
    assert api.get("/api/auth/me").json()["code"] == "device_revoked"
