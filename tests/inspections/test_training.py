"""The taxi association's training of companies and drivers (rules M2, M17; seed 000 §三: 出租汽车行业协会应积极推进
行业培训工作，指导出租汽车企业规范经营活动)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.inspections import services
from apps.inspections.models import Training
from apps.parties import access


def _record(p, actor, **over):
    values = {"held_on": timezone.localdate(), "topic": "营运车辆投保规范", "trainer": "韦老师",
              "companies": [p.company_a], "drivers_count": 40}
    values.update(over)
    return services.training_record(actor=actor, **values)


def test_m2_training_only_the_taxi_association_records_training(parties, client):
    p = parties
    for user in (p.transport_user, p.regulator_user, p.ins_assoc_user, p.company_a_user, p.insurer_a_user):
        with pytest.raises(PermissionDeniedError):
            _record(p, user)
    assert not Training.objects.exists()
    client.force_login(p.ins_assoc_user)
    assert client.get(reverse("inspections:training-create")).status_code == 403
    training = _record(p, p.taxi_assoc_user)
    assert training.number == f"PX{training.pk:06d}" and training.organizer == p.taxi_assoc


def test_m2_training_bad_input_names_each_field_and_writes_nothing(parties, client):
    p = parties
    with pytest.raises(ApplicationError) as exc:
        _record(p, p.taxi_assoc_user, held_on=timezone.localdate() + dt.timedelta(days=1), topic="", trainer="",
                companies=[p.insurer_a], drivers_count="-3")
    fields = exc.value.extra["fields"]
    assert set(fields) == {"held_on", "topic", "trainer", "companies", "drivers_count"}
    assert "培训日期" in fields["held_on"][0] and "培训主题" in fields["topic"][0] and "授课人" in fields["trainer"][0]
    assert "参训企业" in fields["companies"][0] and "参训驾驶员人数" in fields["drivers_count"][0]
    client.force_login(p.taxi_assoc_user)
    response = client.post(reverse("inspections:training-create"), {"held_on": "", "topic": "", "drivers_count": "x"})
    assert response.status_code == 400
    assert "请填写培训日期" in response.content.decode() and "参训驾驶员人数应为整数" in response.content.decode()
    assert not Training.objects.exists()


def test_m2_training_companies_see_the_sessions_they_attended_only(parties, client):
    p = parties
    both = _record(p, p.taxi_assoc_user, companies=[p.company_a, p.company_b], topic="台账规范")
    only_a = _record(p, p.taxi_assoc_user, companies=[p.company_a], topic="非法营运法律责任")
    assert set(access.visible(p.company_a_user, Training)) == {both, only_a}
    assert list(access.visible(p.company_b_user, Training)) == [both]
    assert not access.visible(p.insurer_a_user, Training).exists()
    for supervisor in (p.transport_user, p.regulator_user, p.ins_assoc_user, p.taxi_assoc_user):
        assert access.visible(supervisor, Training).count() == 2
    client.force_login(p.company_b_user)
    listing = client.get(reverse("inspections:trainings")).content.decode()
    assert both.number in listing and only_a.number not in listing
    assert client.get(reverse("inspections:training", args=[only_a.pk])).status_code == 404
    page = client.get(reverse("inspections:training", args=[both.pk])).content.decode()
    assert p.company_b.name in page and p.company_a.name not in page  # its own attendance, not the other's
    client.force_login(p.insurer_a_user)
    assert client.get(reverse("inspections:trainings")).status_code == 403


def test_m2_training_list_takes_a_fixed_number_of_queries(parties, client, django_assert_max_num_queries):
    p = parties
    client.force_login(p.taxi_assoc_user)
    _record(p, p.taxi_assoc_user)
    with django_assert_max_num_queries(40) as few:
        assert client.get(reverse("inspections:trainings")).status_code == 200
    for n in range(6):
        _record(p, p.taxi_assoc_user, companies=[p.company_a, p.company_b], topic=f"主题 {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("inspections:trainings")).status_code == 200
