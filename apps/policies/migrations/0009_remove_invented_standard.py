"""Rule M10: remove the coverage standard that migration 0003 put in force by itself.

The standard is published JOINTLY by the two associations (one proposes, the other approves); 0003's "默认保障标准
（系统初始版本）" was neither, and its 第三者责任险 ≥ 1,000,000 was the project's own choice. It is deleted when nothing
refers to it (no recorded onboarding check names it), otherwise kept as withdrawn so old results still point at a
row. Versions published before the joint procedure stay "proposed" (0008's default) until the other association
approves them. The demo seeder proposes and approves a demo standard, labelled as demo.
"""

from django.db import migrations

NAME = "默认保障标准（系统初始版本）"


def forwards(apps, schema_editor):
    CoverageStandard = apps.get_model("policies", "CoverageStandard")
    OnboardingCheck = apps.get_model("vehicles", "OnboardingCheck")
    for standard in CoverageStandard.objects.filter(name=NAME, published_by__isnull=True):
        if OnboardingCheck.objects.filter(verification__standard_id=standard.pk).exists():
            CoverageStandard.objects.filter(pk=standard.pk).update(
                status="withdrawn", decision_reason="未经两协会联合发布的系统初始版本，已撤回（规则 M10）。")
        else:
            standard.requirements.all().delete()
            standard.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0008_standard_joint_publication"),
        ("vehicles", "0003_value_ranges"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
