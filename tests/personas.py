"""A small centre with the people the tests speak of.

centre: one facility with an elderly area, a children area, a kitchen and a food vehicle;
carer (elderly area), carer_children (children area), kitchen, nurse, manager;
outsider: a manager of another centre.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.accounts.models import User
from server.care.models import Area, Facility
from tests.factories import AreaFactory, FacilityFactory, MembershipFactory, UserFactory


@dataclass
class Centre:
    facility: Facility
    elderly: Area
    children: Area
    kitchen_area: Area
    vehicle: Area
    carer: User
    carer_children: User
    kitchen: User
    nurse: User
    manager: User
    outsider: User
    other_facility: Facility


def make_centre() -> Centre:
    facility = FacilityFactory(code="bac-lieu-test", name="Trung tâm Bảo trợ xã hội (thử)")
    elderly = AreaFactory(facility=facility, code="elderly", name="Khu người cao tuổi")
    children = AreaFactory(facility=facility, code="children", name="Khu trẻ em")
    kitchen_area = AreaFactory(facility=facility, code="kitchen", name="Bếp", kind="kitchen")
    vehicle = AreaFactory(facility=facility, code="vehicle", name="Xe chở thức ăn", kind="vehicle")
    other = FacilityFactory(code="other-test", name="Trung tâm khác")
    people = {}
    for username, role, areas in [
        ("carer", "carer", [elderly]),
        ("carer_children", "carer", [children]),
        ("kitchen", "kitchen", [kitchen_area, vehicle]),
        ("nurse", "nurse", []),
        ("manager", "manager", []),
    ]:
        user = UserFactory(username=username, full_name=f"Người {username}")
        MembershipFactory(user=user, facility=facility, role=role, areas=areas)
        people[username] = user
    outsider = UserFactory(username="outsider", full_name="Người ngoài")
    MembershipFactory(user=outsider, facility=other, role="manager")
    return Centre(
        facility,
        elderly,
        children,
        kitchen_area,
        vehicle,
        outsider=outsider,
        other_facility=other,
        **people,
    )
