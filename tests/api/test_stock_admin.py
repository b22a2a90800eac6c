"""The medicine catalogue in the admin: an edit reaches nurses' phones, and an order cannot
name another centre's medicine."""

from __future__ import annotations

from server.meds.models import MedicationOrder
from server.stock.models import Medicine
from sync.models import Change
from tests.api.test_admin import _url, boss  # noqa: F401 (fixture)
from tests.factories import MedicationOrderFactory
from tests.stock_helpers import medicine


def test_a_medicine_added_in_the_admin_reaches_nurses_only(centre, boss):  # noqa: F811
    response = boss.post(
        _url(Medicine, "add"),
        {
            "facility": centre.facility.id,
            "name": "Diazepam",
            "strength": "5mg",
            "form": "viên nén",
            "unit": "viên",
            "controlled": "on",
            "min_stock": "10",
            "tolerance_pct": "0",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = Change.objects.get(type="medicine")
    assert change.data["name"] == "Diazepam" and change.data["controlled"] is True
    assert change.area_id is None  # scope "staff": the pull filter keeps it from carers


def test_an_order_cannot_take_another_centres_medicine(centre, boss):  # noqa: F811
    order = MedicationOrderFactory(resident__area=centre.elderly)
    theirs = medicine(centre.other_facility)
    form = {
        "facility": order.facility_id,
        "resident": order.resident_id,
        "drug": order.drug,
        "dose": order.dose,
        "route": order.route,
        "times": '["07:00"]',
        "funding_source": "bhyt",
        "unit_cost_vnd": "0",
        "medicine": theirs.id,
        "dose_units": "1",
        "active": "on",
    }
    response = boss.post(_url(MedicationOrder, "change", order.pk), form)
    assert response.status_code == 200 and "Thuốc không thuộc danh mục" in response.content.decode()
    order.refresh_from_db()
    assert order.medicine_id is None
