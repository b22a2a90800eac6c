"""Each synced type's scope, through the real sync endpoint and the socket pokes: the medicine
stock (scope "staff") reaches nurses and managers, never carers nor kitchen staff, and a poke
about it reaches only the sockets of those who may pull it."""

from __future__ import annotations

import uuid

from server.accounts.services import scope_of
from server.live import groups
from sync.models import Change, Conflict
from sync.registry import CommitSummary, PendingChange
from sync.service import changes_record
from sync.types import publish
from tests.api.test_med_administer import phone, push
from tests.api.test_scope import _pull_all
from tests.stock_helpers import count, medicine, receive

STOCK = {"medicine", "stock_level"}
# The area id stock changes were logged under before the scopes were declared.
OLD_FAKE_AREA = uuid.UUID("5a0c7e1d-57c0-4c4b-9b1e-000000000057")


def _stock_of(changes: list[dict]) -> set[str]:
    return {c["type"] for c in changes if c["type"] in STOCK} | {
        c["data"]["kind"]
        for c in changes
        if c["type"] == "conflict" and c["data"]["subject_type"] == "stock_level"
    }


def test_a_carer_never_pulls_the_stock_and_a_nurse_does(centre, make_api):
    para = medicine(centre.facility)
    halo = medicine(centre.facility, name="Haloperidol", controlled=True)
    publish([centre.facility, centre.elderly, para, halo])
    nurse = phone(make_api, "nurse")
    push(nurse, receive(para, 12), receive(halo, 20, witness_id=str(centre.manager.id)))
    assert push(nurse, count(halo, 19))[0]["code"] == "stock_mismatch"
    assert Conflict.objects.get(kind="stock_mismatch").area_id is None

    for who in ("manager", "nurse"):
        assert _stock_of(_pull_all(phone(make_api, who))) == STOCK | {"stock_mismatch"}, who
    for who in ("carer", "carer_children", "kitchen"):
        pulled = _pull_all(phone(make_api, who))
        assert {"facility", "area"} <= {c["type"] for c in pulled}, who  # the pull works
        assert _stock_of(pulled) == set(), who


def test_stock_changes_logged_under_the_old_fake_area_stay_hidden_from_carers(centre, make_api):
    para = medicine(centre.facility)
    changes_record(
        [
            PendingChange(
                centre.facility.id, "medicine", para.id, {"name": "x"}, OLD_FAKE_AREA, "upsert", 1
            )
        ]
    )
    assert Change.objects.filter(type="medicine", area_id=OLD_FAKE_AREA).exists()
    assert _stock_of(_pull_all(phone(make_api, "carer"))) == set()
    assert _stock_of(_pull_all(phone(make_api, "manager"))) == {"medicine"}


def _socket_groups(user) -> set[str]:
    return {name for entry in scope_of(user) for name in groups.for_scope_entry(entry)}


def test_a_poke_about_the_stock_reaches_only_who_may_pull_it(centre, make_api):
    halo = medicine(centre.facility, name="Haloperidol", controlled=True)
    publish([halo])
    nurse = phone(make_api, "nurse")
    push(nurse, receive(halo, 20, witness_id=str(centre.manager.id)))
    assert push(nurse, count(halo, 19))[0]["code"] == "stock_mismatch"
    written = Change.objects.filter(type__in=STOCK | {"conflict"})
    assert {c.type for c in written} == STOCK | {"conflict"}
    summary = CommitSummary(
        facility_id=centre.facility.id,
        last_seq=max(c.seq for c in written),
        changes=[
            PendingChange(c.facility_id, c.type, c.record_id, c.data, c.area_id, c.op, c.version)
            for c in written
        ],
    )
    poked = groups.poke_targets(summary)
    assert poked & _socket_groups(centre.nurse) and poked & _socket_groups(centre.manager)
    for user in (centre.carer, centre.carer_children, centre.kitchen):
        assert poked & _socket_groups(user) == set(), user.username


def test_a_poke_about_a_care_record_still_reaches_its_area(centre, make_api):
    note = PendingChange(
        centre.facility.id, "note", uuid.uuid4(), {}, centre.elderly.id, "upsert", 1
    )
    poked = groups.poke_targets(
        CommitSummary(facility_id=centre.facility.id, last_seq=1, changes=[note])
    )
    assert poked & _socket_groups(centre.carer)
    assert poked & _socket_groups(centre.nurse)
    assert not poked & _socket_groups(centre.carer_children)
