"""Medication administrations and their voids can never be updated or deleted: database
triggers (see server/meds/append_only.py for why and how, per database)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from server.meds.append_only import install

    install(schema_editor.connection)


def backwards(apps, schema_editor):
    from server.meds.append_only import uninstall

    uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("meds", "0002_medication_void")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
