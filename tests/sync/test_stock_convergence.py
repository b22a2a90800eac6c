"""Convergence of the medicine stock: three phones (two nurses and a manager) record
receipts, doses, counts and adjustments offline and sync them in random interleavings
through the real sync endpoint. Whatever the order the server takes them in, every lot is
the sum of its ledger, every level the sum of its lots, and both match a sequential model
that replays the events in the order the server took them; so do the results and flags.

Each example gets a fresh centre, so examples need no reset (PostgreSQL in CI).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.stock.models import StockLevel, StockLot
from tests.api.test_med_administer import give
from tests.conftest import ApiClient
from tests.factories import (
    AreaFactory,
    FacilityFactory,
    MedicationOrderFactory,
    MembershipFactory,
    ResidentFactory,
    UserFactory,
)
from tests.stock_helpers import adjust, assert_ledger_adds_up, count, medicine, receive

EXAMPLES = int(os.environ.get("STOCK_MACHINE_EXAMPLES", "25"))
SOURCES = ("bhyt", "donated")
TODAY = date.today()
LOTS = [("A", TODAY + timedelta(days=40)), ("B", TODAY + timedelta(days=90)), ("", None)]


@dataclass
class Model:
    """The stock as the rules say it must be, one event after another (its own FEFO)."""

    lots: dict[tuple, dict[tuple, Decimal]] = field(default_factory=dict)

    def _lots(self, key: tuple) -> dict[tuple, Decimal]:
        return self.lots.setdefault(key, {})

    def total(self, key: tuple) -> Decimal:
        return sum(self._lots(key).values(), Decimal(0))

    def _take(self, key: tuple, need: Decimal) -> Decimal:
        lots = self._lots(key)
        order = sorted(
            (k for k, q in lots.items() if q > 0),
            key=lambda k: (k[1] is None, k[1] or date.max, k[0]),
        )
        for k in order:
            took = min(lots[k], need)
            lots[k] -= took
            need -= took
        if need > 0:
            lots[("", None)] = lots.get(("", None), Decimal(0)) - need
        return need

    def apply(self, op: tuple) -> tuple[str, bool]:
        """(status, no_stock) the server must answer."""
        kind, key, amount, extra = op
        lots = self._lots(key)
        if kind == "receive":
            lot = extra
            lots[lot] = lots.get(lot, Decimal(0)) + amount
            return "applied", False
        if kind == "dose":
            return "applied", self._take(key, amount) > 0
        if kind == "count":
            expected = self.total(key)
            delta = amount - expected
            if delta < 0:
                self._take(key, -delta)
            elif delta > 0:
                lots[("", None)] = lots.get(("", None), Decimal(0)) + delta
            controlled, tolerance = extra
            over = expected == 0 or abs(delta) * 100 > abs(expected) * tolerance
            return ("conflict" if delta and (controlled or over) else "applied"), False
        available = sum((q for q in lots.values() if q > 0), Decimal(0))
        if amount < 0 and -amount > available:
            return "rejected", False
        if amount < 0:
            self._take(key, -amount)
        else:
            lots[("", None)] = lots.get(("", None), Decimal(0)) + amount
        return "applied", False


OPS = st.one_of(
    st.tuples(st.just("receive"), st.integers(0, 3), st.integers(1, 12), st.sampled_from(LOTS[:2])),
    st.tuples(st.just("dose"), st.integers(0, 3), st.just(1), st.none()),
    st.tuples(st.just("count"), st.integers(0, 3), st.integers(0, 15), st.none()),
    st.tuples(st.just("adjust"), st.integers(0, 3), st.integers(-6, 6).filter(bool), st.none()),
)
# (device, op) in the order the phones record them; "sync" sends a device's outbox.
STEPS = st.lists(
    st.tuples(st.integers(0, 2), st.one_of(OPS, st.just(("sync", 0, 0, None)))),
    min_size=4,
    max_size=24,
)


def _centre():
    facility = FacilityFactory(code=f"stock-{uuid.uuid4().hex[:8]}")
    area = AreaFactory(facility=facility)
    users = []
    for role in ("nurse", "nurse", "manager"):
        user = UserFactory(username=f"{role}-{uuid.uuid4().hex[:8]}")
        MembershipFactory(user=user, facility=facility, role=role)
        users.append(user)
    para = medicine(facility, tolerance_pct=10)
    halo = medicine(facility, name="Haloperidol", strength="1,5mg", controlled=True)
    resident = ResidentFactory(area=area)
    # PRN orders with no limits: a dose is always recorded, only the stock decides its flag.
    orders = {
        (m.id, source): MedicationOrderFactory(
            resident=resident,
            medicine=m,
            controlled=m.controlled,
            prn=True,
            times=[],
            funding_source={"bhyt": "bhyt", "donated": "donated"}[source],
        )
        for m in (para, halo)
        for source in SOURCES
    }
    return users, [para, halo], orders


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(steps=STEPS)
def test_three_phones_agree_with_the_ledger_and_a_sequential_model(db, steps):
    users, meds, orders = _centre()
    phones = []
    for user in users:
        phone = ApiClient()
        phone.login(user.username)
        phones.append(phone)
    outbox: list[list[tuple[dict, tuple]]] = [[], [], []]
    model = Model()
    for device, op in [*steps, *[(d, ("sync", 0, 0, None)) for d in range(3)]]:
        kind, which, amount, extra = op
        if kind == "sync":
            sent, outbox[device] = outbox[device], []
            if not sent:
                continue
            response = phones[device].sync([ev for ev, _ in sent])
            assert response.status_code == 200, response.content
            for result, (_, want) in zip(response.json()["results"], sent, strict=True):
                status, no_stock = model.apply(want)
                assert result["status"] == status, (result, want)
                assert ("no_stock" in (result.get("flags") or [])) == no_stock, (result, want)
            continue
        med, source = meds[which // 2], SOURCES[which % 2]
        key = (med.id, source)
        witness = str(users[(device + 1) % 3].id)
        if kind == "receive":
            lot, expiry = extra
            ev = receive(med, amount, source=source, lot=lot, expiry=expiry.isoformat())
            want = ("receive", key, Decimal(amount), extra)
        elif kind == "dose":
            ev = give(orders[key], witness_id=witness)
            want = ("dose", key, Decimal(amount), None)
        elif kind == "count":
            ev = count(med, amount, source=source)
            want = ("count", key, Decimal(amount), (med.controlled, med.tolerance_pct))
        else:
            ev = adjust(med, amount, source=source, reason="damaged" if amount < 0 else "returned")
            want = ("adjust", key, Decimal(amount), None)
        outbox[device].append((ev, want))
    for (medicine_id, source), lots in model.lots.items():
        level = StockLevel.objects.filter(medicine_id=medicine_id, funding_source=source).first()
        quantity = level.quantity if level is not None else Decimal(0)
        assert quantity == model.total((medicine_id, source))
        stored = {
            (lot.lot, lot.expiry): lot.quantity for lot in StockLot.objects.filter(level=level)
        }
        assert {k: q for k, q in stored.items() if q} == {k: q for k, q in lots.items() if q}
    assert_ledger_adds_up()
