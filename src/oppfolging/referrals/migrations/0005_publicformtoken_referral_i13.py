import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0004_public_form_token'),
    ]

    operations = [
        migrations.AddField(
            model_name='publicformtoken',
            name='referral',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='referrals.referral'),
        ),
    ]
