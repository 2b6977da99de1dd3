"""Seed a standard business calendar, one SLA policy per priority and a general queue.

Administrators change them in the admin; the targets are common service-desk defaults
(business minutes): urgent 1 h / 1 day, high 4 h / 2 days, normal 1 day / 3 days,
low 2 days / 5 days.
"""

from django.db import migrations

POLICIES = {
    "urgent": (60, 540),
    "high": (240, 1080),
    "normal": (540, 1620),
    "low": (1080, 2700),
}


def seed(apps, schema_editor):
    calendar_model = apps.get_model("service", "BusinessCalendar")
    policy_model = apps.get_model("service", "SlaPolicy")
    queue_model = apps.get_model("service", "Queue")
    calendar = calendar_model.objects.create(name="Standard")
    for priority, (first, resolution) in POLICIES.items():
        policy_model.objects.create(
            priority=priority,
            first_response_minutes=first,
            resolution_minutes=resolution,
            calendar=calendar,
        )
    queue_model.objects.create(code="general", name="General", name_ko="일반")


def unseed(apps, schema_editor):
    apps.get_model("service", "SlaPolicy").objects.all().delete()
    apps.get_model("service", "BusinessCalendar").objects.filter(name="Standard").delete()
    apps.get_model("service", "Queue").objects.filter(code="general").delete()


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
