"""The rollup is written again with minute histograms: forget the days it covered."""

from django.db import migrations


def forget_rolled_days(apps, schema_editor):
    apps.get_model("services", "TicketDayStat").objects.all().delete()
    apps.get_model("services", "TicketRollupDay").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("services", "0014_rollup_minute_histograms")]

    operations = [migrations.RunPython(forget_rolled_days, migrations.RunPython.noop)]
