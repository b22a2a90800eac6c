"""A deploy's `migrate` brings the phones the facility's settings and vocabulary as the new code
makes them (server/care/facility_refresh.py), and publishes nothing when nothing moved."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.management import call_command

from server.care import vocabulary as vocabulary_module
from server.care.models import Facility
from sync.changes import stream_heads
from tests.personas import make_centre


def migrate() -> None:
    call_command("migrate", verbosity=0, interactive=False)


def facility_changes(api, cursor: str | None) -> tuple[list[dict], str]:
    page = api.sync(cursor=cursor).json()
    assert not page["more"]
    return [c for c in page["changes"] if c["type"] == "facility"], page["cursor"]


@pytest.fixture
def centre(transactional_db):
    return make_centre()


@pytest.fixture
def release() -> Iterator[Callable[[], str]]:
    """Deploys a release whose vocabulary has one more part, plugged in as an app's ready()
    plugs its own; the part is gone again after the test."""

    def part() -> dict:
        return {"new_release_codes": ["a", "b"]}

    def deploy() -> str:
        vocabulary_module.vocabulary_part(part)
        migrate()
        return "new_release_codes"

    try:
        yield deploy
    finally:
        if part in vocabulary_module._parts:
            vocabulary_module._parts.remove(part)


def test_a_facility_never_published_reaches_the_phones_after_migrate(centre, api):
    api.login("manager")
    before, cursor = facility_changes(api, None)
    assert before == []  # made by the factory, never published
    migrate()
    after, _ = facility_changes(api, cursor)
    assert [c["id"] for c in after] == [str(centre.facility.pk)]
    assert after[0]["data"]["vocabulary"]["task_statuses"][0] == "pending"


def test_a_second_migrate_publishes_nothing(centre):
    migrate()
    heads = stream_heads([centre.facility.pk, centre.other_facility.pk])
    assert all(heads.values())  # the first published both centres
    migrate()
    assert stream_heads([centre.facility.pk, centre.other_facility.pk]) == heads


def test_a_release_that_adds_codes_sends_them_to_phones_holding_the_old_ones(
    centre, make_api, release
):
    migrate()  # yesterday's code
    phone, outsider = make_api(), make_api()
    phone.login("manager")
    outsider.login("outsider")
    held, cursor = facility_changes(phone, None)
    _, outsider_cursor = facility_changes(outsider, None)
    new_key = release()
    assert new_key not in held[0]["data"]["vocabulary"]
    fresh, _ = facility_changes(phone, cursor)
    assert [c["id"] for c in fresh] == [str(centre.facility.pk)]
    assert fresh[0]["data"]["vocabulary"][new_key] == ["a", "b"]
    # The other centre's phones get their own facility again, never this one.
    theirs, _ = facility_changes(outsider, outsider_cursor)
    assert [c["id"] for c in theirs] == [str(centre.other_facility.pk)]


def test_settings_written_outside_the_admin_reach_the_phones(centre, api):
    migrate()
    api.login("manager")
    _, cursor = facility_changes(api, None)
    # A fix made from the shell or a data migration: no admin save publishes it.
    Facility.objects.filter(pk=centre.facility.pk).update(settings={"task_grace_minutes": 90})
    migrate()
    fresh, _ = facility_changes(api, cursor)
    assert [c["data"]["settings"]["task_grace_minutes"] for c in fresh] == [90]
