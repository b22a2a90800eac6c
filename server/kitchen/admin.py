"""Admin for the kitchen: menus are set up here; samples, checks and readings come from phones."""

from __future__ import annotations

from django.contrib import admin

from server.care.admin_sync import ReadOnlyAdmin, SyncedAdmin, admin_register_rest
from server.kitchen.models import FoodCheck, FoodSample, FridgeReading, MenuDish


@admin.register(MenuDish)
class MenuDishAdmin(SyncedAdmin):
    list_display = ("date", "meal", "dish", "liquid", "locked", "facility")
    list_filter = ("facility", "meal", "locked", "liquid")
    search_fields = ("dish",)
    date_hierarchy = "date"


@admin.register(FoodSample)
class FoodSampleAdmin(ReadOnlyAdmin):
    list_display = (
        "meal_date",
        "meal",
        "dish",
        "quantity",
        "unit",
        "taken_at",
        "keep_until",
        "discarded_at",
        "hold",
        "void",
    )
    list_filter = ("facility", "meal", "hold", "void")
    search_fields = ("dish", "container_label")
    date_hierarchy = "taken_at"


@admin.register(FoodCheck)
class FoodCheckAdmin(ReadOnlyAdmin):
    list_display = ("meal_date", "meal", "step", "result", "by", "at", "void")
    list_filter = ("facility", "meal", "step", "result", "void")
    search_fields = ("note",)
    date_hierarchy = "at"


@admin.register(FridgeReading)
class FridgeReadingAdmin(ReadOnlyAdmin):
    list_display = ("temp_c", "at", "by", "facility")
    list_filter = ("facility",)
    date_hierarchy = "at"


admin_register_rest("kitchen")
