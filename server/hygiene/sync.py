"""The hygiene records phones hold, each declared once (sync/types.py derives the rest)."""

from __future__ import annotations

from server.hygiene.models import DisinfectionRecord, VehicleTrip
from server.hygiene.serializers import disinfection_data, vehicle_trip_data
from sync.types import AREA, SyncedType, declare, void_standard

declare(
    SyncedType(
        "disinfection", DisinfectionRecord, disinfection_data, scope=AREA, void=void_standard
    )
)
declare(SyncedType("vehicle_trip", VehicleTrip, vehicle_trip_data, scope=AREA))
