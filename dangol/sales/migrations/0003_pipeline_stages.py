"""Seed the default pipeline: six stages with the usual probabilities (editable in the admin)."""

from django.db import migrations

STAGES = [
    ("qualification", "Qualification", "자격 확인", 10, False, False),
    ("needs_analysis", "Needs analysis", "요구 분석", 25, False, False),
    ("proposal", "Proposal", "제안", 50, False, False),
    ("negotiation", "Negotiation", "협상", 75, False, False),
    ("won", "Won", "수주", 100, True, False),
    ("lost", "Lost", "실주", 0, False, True),
]


def seed(apps, schema_editor):
    stage = apps.get_model("sales", "PipelineStage")
    for position, (code, name, name_ko, probability, won, lost) in enumerate(STAGES, start=1):
        stage.objects.create(
            code=code,
            name=name,
            name_ko=name_ko,
            position=position,
            probability=probability,
            is_won=won,
            is_lost=lost,
        )


def unseed(apps, schema_editor):
    apps.get_model("sales", "PipelineStage").objects.filter(
        code__in=[row[0] for row in STAGES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("sales", "0002_pipeline")]

    operations = [migrations.RunPython(seed, unseed)]
