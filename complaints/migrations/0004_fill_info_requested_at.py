"""Stamp info_requested_at on complaints already waiting for the reporter,
from the newest information request on their timeline."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    ComplaintUpdate = apps.get_model("complaints", "ComplaintUpdate")
    newest = (
        ComplaintUpdate.objects.filter(complaint=OuterRef("pk"), kind="info_request")
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    Complaint.objects.filter(status="info_requested", info_requested_at__isnull=True).update(
        info_requested_at=Subquery(newest)
    )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0003_info_request_wait")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
