from django.db import migrations

ROLES = ("marketer", "marketing_head", "sales_head", "founder")


def create_roles_and_regulation(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Regulation = apps.get_model("experiments", "Regulation")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    if not Regulation.objects.exists():
        # Every field has the product's default (api.md, Regulation).
        Regulation.objects.create(version=1)


def remove_roles_and_regulation(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Regulation = apps.get_model("experiments", "Regulation")
    Group.objects.filter(name__in=ROLES).delete()
    Regulation.objects.filter(version=1, experiments__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("experiments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles_and_regulation, remove_roles_and_regulation)]
