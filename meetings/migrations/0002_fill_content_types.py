# The content types (and so the admin's permissions and log entries) of Goal and Meeting follow
# the models to their new app instead of being left behind and created anew.

from django.db import migrations

MODELS = ("goal", "meeting")


def forwards(apps, schema_editor):
    _move(apps, "experiments", "meetings")


def backwards(apps, schema_editor):
    _move(apps, "meetings", "experiments")


def _move(apps, source: str, target: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if content_type.objects.filter(app_label=target, model=model).exists():
            continue  # already created for the new app; the old row is then stale and harmless
        content_type.objects.filter(app_label=source, model=model).update(app_label=target)


class Migration(migrations.Migration):

    dependencies = [
        ("meetings", "0001_initial"),
        ("experiments", "0005_goal_meeting_moved_to_meetings"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
