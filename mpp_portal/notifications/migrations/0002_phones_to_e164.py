"""Store SMS and WhatsApp recipients as E.164 (+62...), as new messages are."""

from django.db import migrations

from mpp_portal.identity import phones_to_e164


def forward(apps, schema_editor):
    message = apps.get_model("notifications", "OutboxMessage")
    phones_to_e164(message, "recipient", channel__in=["sms", "whatsapp"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_outbox_message")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
