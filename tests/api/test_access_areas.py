"""The per-task area check a push runs hundreds of times (server/care/access.py)."""

from __future__ import annotations

from server.accounts.services import memberships_of
from server.care.access import covers_area


def test_an_area_check_answers_from_the_prefetched_areas_without_a_query(
    centre, django_assert_num_queries
):
    (membership,) = memberships_of(centre.carer)
    with django_assert_num_queries(0):
        assert covers_area(membership, centre.elderly.id)
        assert not covers_area(membership, centre.children.id)
        assert covers_area(membership, None)  # a record of no area is the facility's


def test_an_area_added_through_the_membership_counts_at_once(centre):
    (membership,) = memberships_of(centre.carer)
    assert not covers_area(membership, centre.children.id)
    membership.areas.add(centre.children)
    assert covers_area(membership, centre.children.id)
    membership.areas.remove(centre.elderly)
    assert not covers_area(membership, centre.elderly.id)


def test_without_prefetched_areas_the_check_reads_them(centre):
    membership = centre.carer.memberships.get()
    assert covers_area(membership, centre.elderly.id)
    assert not covers_area(membership, centre.children.id)


def test_a_facility_wide_membership_covers_every_area(centre):
    (membership,) = memberships_of(centre.nurse)
    assert membership.facility_wide
    assert covers_area(membership, centre.children.id)
