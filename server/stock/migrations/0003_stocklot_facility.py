"""A lot names its facility (its level's), so that a sync call's lot queries name it
(docs/performance.md, "Distributing by facility"): added empty and filled from the level
here, required in 0004 (on PostgreSQL a table with pending deferred FK checks from the fill
cannot be altered in the same transaction)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    StockLot = apps.get_model("stock", "StockLot")
    StockLevel = apps.get_model("stock", "StockLevel")
    StockLot.objects.filter(facility__isnull=True).update(
        facility_id=Subquery(StockLevel.objects.filter(id=OuterRef("level_id")).values("facility_id"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0003_resident_transfer"),
        ("stock", "0002_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="stocklot",
            name="facility",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="care.facility",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
