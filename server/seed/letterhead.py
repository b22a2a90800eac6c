"""The demo centres' report letterhead: parent agency, place, signer, and the Department's
target where the centre published one (Nam Định cared for 164 residents against the 160 its
Department set for 2022: docs/reports.md). Directors are left unnamed: a centre types its own.

Idempotent like the rest of the seed: settings that exist (maybe edited in the admin) are left
alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.care.models import Facility
from server.reports.models import ReportSettings

LETTERHEADS: dict[str, dict[str, object]] = {
    "bac-lieu": {
        "parent_agency": "Sở Lao động - Thương binh và Xã hội tỉnh Bạc Liêu",
        "place_name": "Bạc Liêu",
    },
    "nam-dinh": {
        "parent_agency": "Sở Lao động - Thương binh và Xã hội tỉnh Nam Định",
        "place_name": "Nam Định",
        "target_residents": 160,
    },
}


def letterhead_seed(facilities: Sequence[Facility]) -> int:
    """Report settings for each demo centre that has none; returns how many were new."""
    created = 0
    for facility in facilities:
        fields = LETTERHEADS.get(facility.code)
        if fields is None:
            continue
        _, new = ReportSettings.objects.get_or_create(facility=facility, defaults=fields)
        created += new
    return created
