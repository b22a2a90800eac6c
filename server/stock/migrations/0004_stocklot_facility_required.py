"""Every lot has its facility now (0003 filled it): require it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("stock", "0003_stocklot_facility")]

    operations = [
        migrations.AlterField(
            model_name="stocklot",
            name="facility",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="care.facility"
            ),
        ),
    ]
