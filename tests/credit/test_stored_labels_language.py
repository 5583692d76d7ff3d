"""A 督促 item's subject and a credit proposal's source are stored as "<kind of record> <number>" in the language
active when they were opened (issue 16); a reader of the English UI reads the kind in English, the number as
it is."""

import pytest
from django.conf import settings
from django.utils import translation

from apps.credit import services
from apps.parties.rights import SystemActor

from .factories import make_vehicle

pytestmark = pytest.mark.django_db


def _urged_under_chinese(parties):
    vehicle = make_vehicle(plate="桂B12345", company=parties.company_a)
    with translation.override("zh-hans"):
        return services.urging_item_open(actor=SystemActor("rescissions.lapse"), insurer=parties.insurer_a,
                                         subject=vehicle, rule="M12", reason="解除权已消灭，须督促。")


def test_an_urging_items_subject_written_in_chinese_reads_in_english_on_the_page_and_in_the_api(parties, client, api):
    item = _urged_under_chinese(parties)
    assert item.subject_label.startswith("车辆 ")  # stored as written
    client.force_login(parties.ins_assoc_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/credit/urging/{item.pk}/").content.decode()
    assert f"Vehicle {item.subject_label.removeprefix('车辆 ')}" in page
    api_client = api.as_user(parties.ins_assoc_user)
    api_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    row = api_client.get(f"/api/v1/urging-items/{item.pk}/").json()
    assert row["subject_label"].startswith("Vehicle ")
    with translation.override("zh-hans"):
        assert item.subject_display == item.subject_label


def test_a_proposals_source_reads_in_the_readers_language(parties):
    item = _urged_under_chinese(parties)
    with translation.override("zh-hans"):
        closed = services.urging_item_close(actor=parties.ins_assoc_user, item=item, result="经督促仍未依法处理",
                                            propose_credit=True)
    proposal = closed.proposal
    assert proposal.source_label.startswith("督促事项 ")
    with translation.override("en"):
        assert proposal.source_display == f"Urging item {proposal.source_label.removeprefix('督促事项 ')}"
