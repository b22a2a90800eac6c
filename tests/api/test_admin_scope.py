"""/admin/ for a staff user who is not a superuser: only the rows of the facilities they
manage, on every admin page (sync/admin_scope.py). The demo's two centres: the admin of
Bạc Liêu alone must not see, pick or reach Nam Định's rows."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client, RequestFactory
from django.urls import reverse

from server.accounts.models import Device, DeviceToken, Membership, User
from server.care.horizon import local_today
from server.care.models import Area, Facility, Resident, TaskInstance
from server.seed.demo import demo_seed
from sync.admin_scope import FacilityScopedAdmin
from sync.models import Change
from tests.factories import DeviceFactory, UserFactory


@pytest.fixture
def world(db):
    demo_seed(today=local_today())
    bac_lieu = Facility.objects.get(code="bac-lieu")
    nam_dinh = Facility.objects.get(code="nam-dinh")
    staff = UserFactory(username="admin.bl", is_staff=True)
    staff.user_permissions.set(Permission.objects.all())
    Membership.objects.create(user=staff, facility=bac_lieu, role="admin")
    for facility in (bac_lieu, nam_dinh):
        device = DeviceFactory(facility=facility, name=f"Máy {facility.code}")
        user = User.objects.filter(memberships__facility=facility, is_superuser=False).first()
        DeviceToken.objects.create(key_hash=f"h-{facility.code}", user=user, device=device)
    staff = User.objects.get(pk=staff.pk)  # a fresh instance: no cached permissions
    return bac_lieu, nam_dinh, staff


def _request(user: User):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _facilities(model_admin, queryset) -> set:
    lookup = model_admin.facility_lookup()
    return set(queryset.values_list(lookup, flat=True)) if lookup else set()


def _choice_fields(form_class) -> list[forms.ModelChoiceField]:
    return [f for f in form_class.base_fields.values() if isinstance(f, forms.ModelChoiceField)]


def test_every_registered_model_admin_scopes_its_rows_and_choices(world):
    """Walks the whole admin registry: a ModelAdmin added later cannot forget the scope."""
    bac_lieu, nam_dinh, staff = world
    request = _request(staff)
    boss = _request(User.objects.get(username="admin"))
    hidden = set()
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, FacilityScopedAdmin), model
        rows = model_admin.get_queryset(request)
        if model_admin.facility_lookup() is None:
            assert not rows.exists() and not model_admin.has_view_permission(request), model
            assert not model_admin.has_add_permission(request), model
            continue  # no page of it opens for this user
        assert _facilities(model_admin, rows) <= {bac_lieu.id}, model
        everything = model_admin.get_queryset(boss)
        assert everything.count() == model._default_manager.count(), model
        if rows.count() < everything.count():
            hidden.add(model)
        forms_to_check = [model_admin.get_form(request)]
        forms_to_check += [
            inline.get_formset(request).form for inline in model_admin.get_inline_instances(request)
        ]
        for form_class in forms_to_check:
            for field in _choice_fields(form_class):
                related = admin.site._registry.get(field.queryset.model)
                if related is None:  # no admin, no facility (Permission): nothing to pick
                    assert not field.queryset.exists(), (model, field.queryset.model)
                    continue
                assert isinstance(related, FacilityScopedAdmin), (model, field.queryset.model)
                assert _facilities(related, field.queryset) <= {bac_lieu.id}, (model, field)
    assert {Facility, Area, Resident, TaskInstance, User, Membership, Device, DeviceToken} <= hidden
    assert Change in hidden


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def browser(world) -> Client:
    client = Client()
    client.force_login(world[2])
    return client


def test_it_lists_only_the_staff_users_own_centres_residents_and_devices(world, browser):
    bac_lieu, nam_dinh, _ = world
    ours = Resident.objects.filter(facility=bac_lieu).first()
    theirs = Resident.objects.filter(facility=nam_dinh).first()
    page = browser.get(_url(Resident, "changelist") + "?all=").content.decode()
    assert ours.full_name in page and theirs.full_name not in page
    devices = browser.get(_url(Device, "changelist")).content.decode()
    assert "Máy bac-lieu" in devices and "Máy nam-dinh" not in devices
    assert (
        "Trung tâm Bảo trợ xã hội tỉnh Nam Định"
        not in browser.get(_url(Resident, "changelist")).content.decode()
    )  # not even as a list filter choice
    people = browser.get(_url(User, "changelist")).content.decode()
    assert "manager.bl" in people and "manager.nd" not in people
    assert ">admin<" not in people  # the superuser of both centres


def test_it_does_not_open_another_centres_row(world, browser):
    _, nam_dinh, _ = world
    theirs = Resident.objects.filter(facility=nam_dinh).first()
    response = browser.get(_url(Resident, "change", theirs.pk))
    assert response.status_code == 302  # "does not exist", to this user
    device = Device.objects.get(facility=nam_dinh)
    assert browser.post(
        _url(Device, "changelist"), {"action": "devices_revoke", "_selected_action": [device.pk]}
    ).status_code in (200, 302)
    device.refresh_from_db()
    assert not device.revoked


def test_it_refuses_to_move_a_row_into_another_centre(world, browser):
    bac_lieu, nam_dinh, _ = world
    resident = Resident.objects.filter(facility=bac_lieu).first()
    their_area = (
        Area.objects.filter(facility=nam_dinh, kind="care").first()
        or Area.objects.filter(facility=nam_dinh).first()
    )
    response = browser.post(
        _url(Resident, "change", resident.pk),
        {
            "facility": nam_dinh.id,
            "area": their_area.id,
            "full_name": resident.full_name,
            "sex": resident.sex,
            "room": resident.room,
            "categories": resident.categories,
            "primary_category": resident.primary_category,
            "status": resident.status,
        },
    )
    assert response.status_code == 200  # the form again, with errors
    resident.refresh_from_db()
    assert resident.facility_id == bac_lieu.id
    membership = Membership.objects.get(user__username="manager.bl")
    response = browser.post(
        _url(Membership, "change", membership.pk),
        {"user": membership.user_id, "facility": nam_dinh.id, "role": "manager", "active": "on"},
    )
    membership.refresh_from_db()
    assert response.status_code == 200 and membership.facility_id == bac_lieu.id


def test_it_keeps_the_superuser_flag_out_of_a_staff_users_hands(world, browser):
    bac_lieu, _, staff = world
    colleague = User.objects.get(username="manager.bl")
    page = browser.get(_url(User, "change", colleague.pk)).content.decode()
    assert 'name="is_superuser"' not in page
    assert (
        browser.get(_url(User, "change", User.objects.get(username="admin").pk)).status_code == 302
    )
