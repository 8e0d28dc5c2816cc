"""Give services that took priority tickets the two new groups.

Before the split, "Ibu hamil / membawa anak" covered parents with children,
so a service that accepted it now accepts the children's group too. A
service that accepted every old group took every priority group there was,
so it also accepts disaster victims.
"""

from django.db import migrations

OLD_GROUPS = {"lansia", "disabilitas", "ibu_hamil"}


def forward(apps, schema_editor):
    Service = apps.get_model("services", "Service")
    for service in Service.objects.filter(accepted_priorities__contains=["ibu_hamil"]):
        accepted = list(service.accepted_priorities)
        added = ["anak"]
        if set(accepted) >= OLD_GROUPS:
            added.append("korban_bencana")
        accepted += [group for group in added if group not in accepted]
        if accepted != service.accepted_priorities:
            service.accepted_priorities = accepted
            service.save(update_fields=["accepted_priorities"])


class Migration(migrations.Migration):
    dependencies = [("services", "0005_priority_children_and_disaster_victims")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
