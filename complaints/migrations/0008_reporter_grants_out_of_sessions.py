"""Take the reporters' complaint grants out of the stored sessions.

The tracking pages kept "complaint_access" ({tracking id: token hash}) and
the once-shown "complaint_filed" confirmation in the session; a session
row of a signed-in person thus tied an anonymous report to their account.
Both now live in signed cookies of the browser (complaints.views._grant);
this removes what the rows still hold. A reporter opens the secret link
once more to read their report in that browser.
"""

from django.contrib.sessions.backends.db import SessionStore
from django.db import migrations

LEGACY_KEYS = ("complaint_access", "complaint_filed")


def forward(apps, schema_editor):
    session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for row in session.objects.only("pk", "session_data").iterator(chunk_size=500):
        data = store.decode(row.session_data)
        if not any(key in data for key in LEGACY_KEYS):
            continue
        for key in LEGACY_KEYS:
            data.pop(key, None)
        session.objects.filter(pk=row.pk).update(session_data=store.encode(data))


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0007_webhook_moved_to_platform"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
