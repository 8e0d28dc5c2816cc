"""Store reporters' phone numbers as E.164 (+62...)."""

from django.db import migrations

from mpp_portal.identity import phones_to_e164


def forward(apps, schema_editor):
    phones_to_e164(apps.get_model("complaints", "Complaint"), "reporter_phone")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0005_information_request_deadline_and_extension")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
