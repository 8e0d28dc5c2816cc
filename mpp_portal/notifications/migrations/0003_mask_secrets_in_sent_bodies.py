"""Mask the secret links in messages delivered before bodies were masked.

From this migration on, outbox_deliver() masks a body as it marks it sent;
the rows sent earlier still hold live ``?token=`` links.
"""

from django.db import migrations

from mpp_portal.masking import mask_url_secrets


def forward(apps, schema_editor):
    message = apps.get_model("notifications", "OutboxMessage")
    rows = message.objects.filter(status="sent").only("pk", "body").iterator(chunk_size=500)
    for row in rows:
        masked = mask_url_secrets(row.body)
        if masked != row.body:
            message.objects.filter(pk=row.pk).update(body=masked)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_phones_to_e164")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
