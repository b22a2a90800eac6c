"""Server-side writes of orders (admin, seeding) reach phones through care.publish."""

from __future__ import annotations

from server.care.publish import publisher
from server.meds.serializers import med_administration_data, med_order_data

# Area of the resident: a carer pulls the medicines of the residents in her areas only.
publisher("meds.MedicationOrder", "med_order", area=lambda o: o.resident.area_id)(med_order_data)
publisher("meds.MedicationAdministration", "med_administration", area=lambda a: a.resident.area_id)(
    med_administration_data
)
