"""Store bookings' and tickets' phone numbers as E.164 (+62...)."""

from django.db import migrations

from mpp_portal.identity import phones_to_e164


def forward(apps, schema_editor):
    phones_to_e164(apps.get_model("services", "Booking"), "phone")
    phones_to_e164(apps.get_model("services", "Ticket"), "phone")


class Migration(migrations.Migration):
    dependencies = [("services", "0003_skm_questions")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
