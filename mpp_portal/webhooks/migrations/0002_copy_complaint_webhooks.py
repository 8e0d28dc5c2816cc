"""Copy the complaints app's webhooks (one per agency) into the platform's table.

Those receivers were built for the one event complaints sent, so each copy
subscribes to complaint.dispatched only. complaints' next migration drops
its own table once this has run.
"""

from django.db import migrations


def copy_webhooks(apps, schema_editor):
    OldWebhook = apps.get_model("complaints", "Webhook")
    Webhook = apps.get_model("webhooks", "Webhook")
    Webhook.objects.bulk_create(
        [
            Webhook(
                agency_id=old.agency_id,
                url=old.url,
                secret=old.secret,
                is_active=old.is_active,
                events=["complaint.dispatched"],
            )
            for old in OldWebhook.objects.all()
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_webhook_and_delivery"),
        ("complaints", "0001_initial"),
    ]

    operations = [migrations.RunPython(copy_webhooks, migrations.RunPython.noop)]
