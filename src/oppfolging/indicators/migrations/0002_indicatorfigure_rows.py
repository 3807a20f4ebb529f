from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("indicators", "0001_summary_table"),
    ]

    operations = [
        migrations.AddField(
            model_name="indicatorfigure",
            name="rows",
            field=models.JSONField(null=True),
        ),
    ]
