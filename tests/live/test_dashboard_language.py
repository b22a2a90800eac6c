"""A dashboard socket speaks the language of its handshake: the `django_language` cookie, then
Accept-Language, else Vietnamese (deploy/README.md, "Languages"): the staffing labels of its
snapshot and deltas, and its refusals of a past shift. Through a real socket and pushes through
the real sync endpoint."""

from __future__ import annotations

from datetime import date

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import translation

from server.language import scope_language
from server.live.dashboard import rules
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory
from tests.live.test_dashboard_socket import application, token_for
from tests.personas import make_centre

socket = pytest.mark.django_db(transaction=True)

VIETNAMESE = {
    "whole": "Toàn trung tâm",
    "adult": "Người lớn, người cao tuổi",
    "view_future": "Ca này chưa bắt đầu.",
    "view_bad_shift": "Trung tâm không có ca này.",
}
ENGLISH = {
    "whole": "Whole centre",
    "adult": "Adults, elderly people",
    "view_future": "This shift has not started yet.",
    "view_bad_shift": "The centre has no such shift.",
}


@pytest.fixture
def world(transactional_db):
    centre = make_centre()
    resident = ResidentFactory(area=centre.elderly, full_name="Bà Tư")  # an adult, age unknown
    return centre, TaskFactory(resident=resident, kind="custom", title="Thay ga giường")


async def open_with(facility_id, headers: list[tuple[bytes, bytes]]) -> tuple:
    comm = WebsocketCommunicator(
        application(), f"/ws/v1/dashboard?facility={facility_id}", headers=headers
    )
    connected, _ = await comm.connect()
    assert connected
    await comm.send_json_to(
        {"type": "auth", "token": await database_sync_to_async(token_for)("manager")}
    )
    assert (await comm.receive_json_from(timeout=3))["type"] == "ready"
    snapshot = await comm.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    return comm, snapshot


async def refusals(comm) -> dict[str, str]:
    answers = {}
    for code, message in [
        ("view_future", {"date": "2999-01-01", "shift": "day"}),
        ("view_bad_shift", {"date": "2026-01-01", "shift": "evening"}),
    ]:
        await comm.send_json_to({"type": "view", **message})
        answer = await comm.receive_json_from(timeout=5)
        assert (answer["type"], answer["code"]) == ("error", code)
        answers[code] = answer["message"]
    return answers


@socket
@pytest.mark.parametrize(
    "headers, words",
    [
        ([], VIETNAMESE),
        ([(b"accept-language", b"en-GB,en;q=0.9")], ENGLISH),
        ([(b"accept-language", b"fr-FR,fr;q=0.9")], VIETNAMESE),  # not offered: the default
        # The dashboard's language button sets the cookie; it wins over the browser's header.
        ([(b"cookie", b"django_language=en"), (b"accept-language", b"vi")], ENGLISH),
        (
            [(b"cookie", b"csrftoken=x; django_language=vi"), (b"accept-language", b"en")],
            VIETNAMESE,
        ),
    ],
)
async def test_the_snapshot_and_the_refusals_speak_the_handshakes_language(world, headers, words):
    centre, _ = world
    comm, snapshot = await open_with(centre.facility.id, headers)
    staffing = snapshot["sections"]["staffing"]
    assert staffing["total"]["area"] == words["whole"]
    assert staffing[str(centre.elderly.id)]["area"] == centre.elderly.name  # a name stays
    assert [g["label"] for g in staffing["total"]["groups"]] == [words["adult"]]
    assert await refusals(comm) == {k: words[k] for k in ("view_future", "view_bad_shift")}
    await comm.disconnect()


@socket
async def test_two_sockets_of_one_centre_each_keep_their_language_in_the_deltas(world, make_api):
    centre, task = world
    english, _ = await open_with(centre.facility.id, [(b"accept-language", b"en")])
    vietnamese, _ = await open_with(centre.facility.id, [])
    carer = make_api()
    await database_sync_to_async(carer.login)("carer")
    await database_sync_to_async(carer.sync)(
        [event("task.complete", {"task_id": task.id, "outcome": "done"})]
    )
    # The carer who acted is not on the rota: the whole centre's staffing item changes.
    for comm, words in [(english, ENGLISH), (vietnamese, VIETNAMESE)]:
        delta = await comm.receive_json_from(timeout=5)
        assert delta["type"] == "delta"
        total = delta["sections"]["staffing"]["set"]["total"]
        assert (total["area"], total["off_rota"]) == (words["whole"], ["Người carer"])
        assert [g["label"] for g in total["groups"]] == [words["adult"]]
        await comm.disconnect()


def test_a_facilitys_own_norm_labels_come_back_as_written():
    norms = rules.norms_from_setting(
        [
            {
                "key": "adult",
                "label": "Người lớn",
                "min_months": 0,
                "max_months": 1800,
                "disabled": None,
                "per_carer": 8,
            }
        ]
    )
    person = rules.Person(birth_date=None, categories=(), severe_disability=False)
    with translation.override("en"):
        need = rules.staffing_required([person], date(2026, 1, 1), norms)
    assert [g["label"] for g in need["groups"]] == ["Người lớn"]


@pytest.mark.parametrize(
    "headers, language",
    [
        ([], "vi"),
        ([(b"accept-language", b"en-US,en;q=0.8")], "en"),
        ([(b"accept-language", b"*")], "vi"),
        ([(b"cookie", b"django_language=en")], "en"),
        ([(b"cookie", b"django_language=xx"), (b"accept-language", b"en")], "en"),
        ([(b"Accept-Language", b"en")], "en"),
    ],
)
def test_a_scope_resolves_its_language_as_a_request_does(headers, language):
    assert scope_language({"type": "websocket", "headers": headers}) == language
