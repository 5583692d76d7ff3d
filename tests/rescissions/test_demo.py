"""Demo data of the rescission app: open cases of several ages for each insurer with policies; idempotent."""

from io import StringIO

from apps.demo.seeders.rescissions import seed_demo
from apps.rescissions.models import Path, RescissionCase, Status
from apps.vehicles.usage import UsageNature
from tests.policies.factories import PolicyFactory


def test_demo_cases_are_opened_once(parties):
    for _ in range(4):
        PolicyFactory(insurer=parties.insurer_a, usage_nature_insured=UsageNature.FAMILY)
    PolicyFactory(insurer=parties.insurer_a)  # insured as operating: no case (rule J13)
    seed_demo(StringIO())
    cases = RescissionCase.objects.filter(insurer=parties.insurer_a)
    assert cases.count() == 4
    assert cases.filter(status=Status.AWAITING_DISCLOSURE, path=Path.NON_DISCLOSURE).count() == 1
    assert cases.filter(path=Path.RISK_INCREASE).count() == 1
    out = StringIO()
    seed_demo(out)
    assert RescissionCase.objects.count() == 4 and "0 demo cases" in out.getvalue()
