import secrets

from django.db import migrations, models


def epoch_create(apps, schema_editor):
    # Made once per database; a database restored from a dump gets a new one from deploy/restore.
    apps.get_model("sync", "Epoch").objects.create(id=1, value=secrets.token_hex(3))


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0002_change_origin_user"),
    ]

    operations = [
        migrations.CreateModel(
            name="Epoch",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("value", models.CharField(max_length=16)),
                ("restored_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.RunPython(epoch_create, migrations.RunPython.noop),
    ]
