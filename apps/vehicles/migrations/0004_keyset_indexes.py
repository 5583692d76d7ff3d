from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("vehicles", "0003_value_ranges"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="vehicle",
            index=models.Index(fields=["plate", "id"], name="vehicle_plate_id"),
        ),
        migrations.AddIndex(
            model_name="vehicle",
            index=models.Index(fields=["company", "plate", "id"], name="vehicle_company_plate"),
        ),
    ]
