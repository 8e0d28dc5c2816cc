"""Mark the tickets that bookings checked in before the booked mark existed.

Their slot's start comes from the booking (date + slot_start, in the hall's
time zone); they were checked in under the rule that is now the default
(``BookingSchedule.booked_first``), so they keep a booking's precedence.
Their ``queued_at`` stays as stamped then (the slot's start).
"""

from django.conf import settings
from django.db import migrations


def mark(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE services_ticket t
            SET booked_slot_at = (b.date + b.slot_start) AT TIME ZONE %s,
                booked_first = true
            FROM services_booking b
            WHERE b.ticket_id = t.id AND t.booked_slot_at IS NULL
            """,
            [settings.TIME_ZONE],
        )


class Migration(migrations.Migration):
    dependencies = [("services", "0009_booked_first")]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
