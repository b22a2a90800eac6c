"""The rota in the admin: a manager plans the shift; a wrong entry is refused with its reason."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from server.accounts.models import User
from server.rota.models import RotaEntry
from tests.factories import AreaFactory


@pytest.fixture
def boss(db) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("boss", "", "test-pass-123"))
    return client


def entry_form(centre, **changes) -> dict:
    return {
        "facility": centre.facility.id,
        "date": "2026-11-29",
        "shift": "day",
        "user": centre.carer.id,
        "areas": [centre.elderly.id],
        "note": "",
        **changes,
    }


def test_it_lists_and_adds_rota_entries(centre, boss):
    assert boss.get(reverse("admin:rota_rotaentry_changelist")).status_code == 200
    assert boss.get(reverse("admin:rota_rotaentry_add")).status_code == 200
    response = boss.post(reverse("admin:rota_rotaentry_add"), entry_form(centre))
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = RotaEntry.objects.get()
    assert (entry.user, [a.code for a in entry.areas.all()]) == (centre.carer, ["elderly"])
    listing = boss.get(reverse("admin:rota_rotaentry_changelist")).content.decode()
    assert "Khu người cao tuổi" in listing


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"shift": "evening"}, "shift", "chỉ có các ca: day, night"),
        ("nurse", "user", "không phải nhân viên chăm sóc"),
        ("foreign_area", "areas", "Khu không thuộc trung tâm này"),
    ],
)
def test_it_refuses_a_wrong_entry_and_saves_nothing(centre, boss, change, field, reason):
    if change == "nurse":
        change = {"user": centre.nurse.id}
    elif change == "foreign_area":
        change = {"areas": [AreaFactory(facility=centre.other_facility).id]}
    response = boss.post(reverse("admin:rota_rotaentry_add"), entry_form(centre, **change))
    assert response.status_code == 200
    assert reason in " ".join(response.context["adminform"].form.errors[field])
    assert not RotaEntry.objects.exists()
