"""Lines of the stock book can never be updated or deleted: database triggers (see
server/stock/append_only.py)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from server.stock.append_only import STOCK

    STOCK.install(schema_editor.connection)


def backwards(apps, schema_editor):
    from server.stock.append_only import STOCK

    STOCK.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("stock", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
