"""Convergence under a hostile network: a hypothesis state machine drives several phones
(sync/client/ over real HTTP to uvicorn) through offline periods, responses lost after the
server committed, duplicated and late (reordered) deliveries, server-side edits and a
change of a carer's areas. Invariants: every event is stored exactly once, no acknowledged
event is lost, and after a final sync every phone holds exactly the server's state.

One server serves every example; each example gets a fresh facility, so nothing needs
resetting between examples.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from server.accounts.tokens import token_issue
from server.care.models import Note, TaskInstance
from sync.client import SyncClient, SyncFailed
from sync.models import EventLog
from sync.types import publish
from tests.factories import (
    AreaFactory,
    FacilityFactory,
    MembershipFactory,
    ResidentFactory,
    TaskFactory,
    UserFactory,
)

EXAMPLES = int(os.environ.get("SYNC_MACHINE_EXAMPLES", "200"))
FAULTS = ["none", "none", "lose_response", "lose_request", "duplicate", "delay"]


class Network(httpx.HTTPTransport):
    """One phone's link. Faults hit the next sync request only; the client's retry then
    gets through (unless the phone is offline)."""

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.offline = False
        self.fault = "none"

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.offline:
            raise httpx.ConnectError("offline")
        if not request.url.path.endswith("/sync/v1"):
            return super().handle_request(request)
        fault, self.fault = self.fault, "none"
        if fault == "lose_request":
            raise httpx.ConnectError("lost before the server saw it")
        if fault == "delay":
            # Held in the network; it reaches the server later, after newer requests.
            self.world.held.append((str(request.url), request.read(), dict(request.headers)))
            raise httpx.ReadTimeout("no answer yet")
        self.world.delivered(request.read(), request.headers)
        response = super().handle_request(request)
        response.read()
        if fault == "duplicate":
            self.world.delivered(request.read(), request.headers)
            response = super().handle_request(request)
            response.read()
        if fault == "lose_response":
            raise httpx.ReadError("connection reset after the server committed")
        return response


class World:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.held: list[tuple[str, bytes, dict]] = []
        self.sent_ids: set[str] = set()

    def delivered(self, content: bytes, headers) -> None:
        body = content
        if headers.get("content-encoding") == "gzip":
            import gzip

            body = gzip.decompress(content)
        self.sent_ids.update(e["id"] for e in json.loads(body)["events"])

    def deliver_held(self) -> None:
        while self.held:
            url, content, headers = self.held.pop(0)
            self.delivered(content, headers)
            httpx.post(url, content=content, headers=headers, timeout=30)  # nobody reads it


def _scope_tasks(user_role: str, area_ids: set, facility) -> dict[str, TaskInstance]:
    qs = TaskInstance.objects.filter(facility=facility)
    if user_role != "manager":
        qs = qs.filter(area_id__in=area_ids)
    return {str(t.id): t for t in qs}


def _scope_notes(user_role: str, area_ids: set, facility) -> dict[str, Note]:
    qs = Note.objects.filter(facility=facility)
    notes = {str(n.id): n for n in qs}
    if user_role == "manager":
        return notes
    return {k: n for k, n in notes.items() if n.area_id is None or n.area_id in area_ids}


def _same_instant(a: str | None, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return datetime.fromisoformat(a) == b


def make_machine(base_url: str):
    class Phones(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.world = World(base_url)
            tag = uuid.uuid4().hex[:8]
            self.facility = FacilityFactory(code=f"f-{tag}")
            self.area_a = AreaFactory(facility=self.facility, code=f"a-{tag}")
            self.area_b = AreaFactory(facility=self.facility, code=f"b-{tag}")
            people = [
                ("carer_a1", "carer", [self.area_a]),
                ("carer_a2", "carer", [self.area_a]),
                ("manager", "manager", []),
                ("carer_b", "carer", [self.area_b]),
            ]
            self.users, self.roles, self.memberships, self.phones, self.networks = (
                {},
                {},
                {},
                {},
                {},
            )
            for name, role, areas in people:
                user = UserFactory(username=f"{name}-{tag}")
                self.memberships[name] = MembershipFactory(
                    user=user, facility=self.facility, role=role, areas=areas
                )
                self.users[name], self.roles[name] = user, role
                device_id = str(uuid.uuid4())
                token, _ = token_issue(
                    username=user.username,
                    password="test-pass-123",
                    device_id=device_id,
                    device_name=name,
                    client="test",
                )
                network = Network(self.world)
                phone = SyncClient(
                    base_url,
                    device_id=device_id,
                    transport=network,
                    sleep=lambda s: None,
                    max_attempts=2,
                )
                phone.add_account(str(user.id), token, username=user.username)
                self.phones[name], self.networks[name] = phone, network
            self.residents = [ResidentFactory(area=self.area_a), ResidentFactory(area=self.area_b)]
            self.tasks = [
                TaskFactory(resident=r, kind="custom", slot=f"{8 + i:02d}:00")
                for r in self.residents
                for i in range(2)
            ]
            publish([self.area_a, self.area_b, *self.residents, *self.tasks])
            self.queued: set[str] = set()
            self.queued_by: dict[str, set[str]] = {name: set() for name in self.phones}

        names = st.sampled_from(["carer_a1", "carer_a2", "manager", "carer_b"])

        @rule(
            who=names,
            task=st.integers(0, 3),
            outcome=st.sampled_from(["done", "refused", "skipped", "partial"]),
        )
        def complete(self, who, task, outcome):
            event = self.phones[who].queue(
                "task.complete",
                {"task_id": str(self.tasks[task].id), "outcome": outcome, "reason": "thử"},
            )
            self.queued.add(event["id"])
            self.queued_by[who].add(event["id"])

        @rule(who=names, on_resident=st.booleans(), resident=st.integers(0, 1))
        def note(self, who, on_resident, resident):
            args = {"note_id": str(uuid.uuid4()), "kind": "observation", "text": f"ghi {who}"}
            if on_resident:
                args["resident_id"] = str(self.residents[resident].id)
            else:
                args["facility_id"] = str(self.facility.id)
            event_id = self.phones[who].queue("note.add", args)["id"]
            self.queued.add(event_id)
            self.queued_by[who].add(event_id)

        @rule(who=names, fault=st.sampled_from(FAULTS))
        def sync(self, who, fault):
            self.networks[who].fault = fault
            try:
                self.phones[who].sync()
            except SyncFailed:
                assert self.networks[who].offline or fault != "none"

        @rule(who=names)
        def toggle_offline(self, who):
            self.networks[who].offline = not self.networks[who].offline

        @precondition(lambda self: self.world.held)
        @rule()
        def late_delivery(self):
            self.world.deliver_held()

        @rule(task=st.integers(0, 3))
        def server_edit(self, task):
            # An admin renames a task: every phone that may see it must end up with the name.
            row = TaskInstance.objects.get(id=self.tasks[task].id)
            row.title = f"{row.title}*"
            row.version += 1
            row.save(update_fields=["title", "version"])
            publish([row])

        @rule()
        def move_carer_b(self):
            # A change of scope: carer_b also covers area A, or stops covering it (409 reset).
            membership = self.memberships["carer_b"]
            covers_a = membership.areas.filter(id=self.area_a.id).exists()
            membership.areas.set([self.area_b] if covers_a else [self.area_b, self.area_a])

        @invariant()
        def acknowledged_events_are_stored(self):
            stored = set(
                map(str, EventLog.objects.filter(id__in=self.queued).values_list("id", flat=True))
            )
            assert stored <= self.world.sent_ids, "stored an event nobody sent"
            for name, phone in self.phones.items():
                waiting = {e["id"] for e in phone.pending()}
                # Whatever left this phone's outbox was acknowledged, so it must be stored.
                lost = self.queued_by[name] - waiting - stored
                assert not lost, f"{name} dropped {lost} although the server never stored them"

        def teardown(self):
            try:
                self._final_checks()
            finally:
                for phone in self.phones.values():
                    phone.close()

        def _final_checks(self):
            for network in self.networks.values():
                network.offline = False
            self.world.deliver_held()
            for _ in range(2):
                for phone in self.phones.values():
                    phone.sync()
            for name, phone in self.phones.items():
                assert phone.pending_count() == 0, name
            # Exactly once: one row per distinct id that reached the server, none missing.
            stored = list(EventLog.objects.filter(id__in=self.queued).values_list("id", flat=True))
            assert len(stored) == len(set(stored)) == len(self.world.sent_ids & self.queued)
            assert {str(i) for i in stored} == self.queued  # everything queued got through
            for name, phone in self.phones.items():
                self._assert_converged(name, phone)

        def _assert_converged(self, name: str, phone: SyncClient):
            membership = self.memberships[name]
            areas = set(membership.areas.values_list("id", flat=True))
            tasks = _scope_tasks(self.roles[name], areas, self.facility)
            mine = phone.records("task")
            assert set(mine) == set(tasks), f"{name}: task ids differ"
            for task_id, task in tasks.items():
                data = mine[task_id]
                assert data["status"] == task.status, (name, task_id, data, task.status)
                assert data["done_by"] == (str(task.done_by_id) if task.done_by_id else None), (
                    name,
                    data,
                )
                assert _same_instant(data["done_at"], task.done_at), (name, data, task.done_at)
                assert data["title"] == task.title, (name, data["title"], task.title)
            notes = _scope_notes(self.roles[name], areas, self.facility)
            my_notes = phone.records("note")
            assert set(my_notes) == set(notes), f"{name}: note ids differ"
            for note_id, note in notes.items():
                assert my_notes[note_id]["text"] == note.text
                assert my_notes[note_id]["by"] == str(note.by_id)
                assert _same_instant(my_notes[note_id]["at"], note.at)

    return Phones


def test_it_converges_under_lost_duplicated_and_late_deliveries(server):
    machine = make_machine(server.url)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
