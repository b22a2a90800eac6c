"""GET /api/staff?facility=: the witness picker's list, for members of that facility only."""

from __future__ import annotations


def test_it_lists_the_staff_of_my_facility_with_names_and_roles(api, centre):
    api.login("carer")
    response = api.get(f"/api/staff?facility={centre.facility.id}")
    assert response.status_code == 200
    items = {i["id"]: i for i in response.json()["items"]}
    assert items[str(centre.nurse.id)] == {
        "id": str(centre.nurse.id),
        "full_name": "Người nurse",
        "role": "nurse",
    }
    assert str(centre.outsider.id) not in items
    assert set(next(iter(items.values()))) == {"id", "full_name", "role"}


def test_it_hides_another_centres_staff(api, centre):
    api.login("outsider")
    response = api.get(f"/api/staff?facility={centre.facility.id}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_needs_a_token(api, centre):
    response = api.get(f"/api/staff?facility={centre.facility.id}")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_it_refuses_a_malformed_facility(api, centre):
    api.login("carer")
    response = api.get("/api/staff?facility=not-a-uuid")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
