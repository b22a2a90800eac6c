"""An order's funding source takes the stock's codes (one vocabulary, meds' FundingSource): the
centre's budget was "centre" on an order and "budget" on a stock level; it is "budget" on both.

The orders are rewritten here, not republished: a phone keeps the copy it pulled (and the pull
log the snapshot it sent) until the order next changes, and maps the old code through the
vocabulary's `stock_order_source` (server/stock/vocabulary.py, docs/domain.md)."""

from django.db import migrations, models

RENAMED = {"centre": "budget"}


def forwards(apps, schema_editor):
    MedicationOrder = apps.get_model("meds", "MedicationOrder")
    for old, new in RENAMED.items():
        MedicationOrder.objects.filter(funding_source=old).update(funding_source=new)


def backwards(apps, schema_editor):
    MedicationOrder = apps.get_model("meds", "MedicationOrder")
    for old, new in RENAMED.items():
        MedicationOrder.objects.filter(funding_source=new).update(funding_source=old)


class Migration(migrations.Migration):

    dependencies = [
        ("meds", "0005_order_medicine"),
    ]

    operations = [
        migrations.AlterField(
            model_name="medicationorder",
            name="funding_source",
            field=models.CharField(
                choices=[
                    ("bhyt", "Bảo hiểm y tế"),
                    ("budget", "Ngân sách trung tâm"),
                    ("donated", "Tài trợ"),
                    ("family", "Gia đình"),
                    ("other", "Khác"),
                ],
                default="bhyt",
                max_length=20,
                verbose_name="nguồn kinh phí",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
