"""The `data` of the kitchen change types (docs/care-events.md, "Change types")."""

from __future__ import annotations

from sync.types import fields_data

food_sample_data = fields_data(
    "facility_id meal meal_date dish portions quantity unit container_label stored_temp_c"
    " taken_at cooking_finished_at keep_until taken_by discarded_at discarded_by hold"
    " hold_reason flags note void"
)
food_check_data = fields_data("facility_id meal meal_date step result items note flags by at void")
fridge_reading_data = fields_data("facility_id temp_c at by flags")
menu_dish_data = fields_data("facility_id date meal dish liquid locked")
