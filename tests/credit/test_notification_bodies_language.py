"""The body of a notification quoting a proposal's or a 督促 item's reason is read in the reader's language
(issue 16, rules M2, M12): the reason's message is nested as the body's one parameter, so its own parameters
never clash with the title's; a typed reason stays a plain body."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy, gettext_noop

from apps.core.models import Notification
from apps.core.notifications import Text
from apps.credit import services
from apps.parties.rights import SystemActor
from tests.policies.factories import PolicyFactory

from .test_stored_texts_language import CATEGORY, CATEGORY_EN, RESULT, _proposal_from_a_complaint

pytestmark = pytest.mark.django_db


def test_m2_the_association_reads_a_proposals_reason_in_its_notification_in_english(parties):
    complaint, proposal = _proposal_from_a_complaint(parties)
    note = Notification.objects.get(kind="credit.proposal", user=parties.ins_assoc_user)
    assert note.body == proposal.reason == f"{complaint.tracking_no} {CATEGORY}：{RESULT}"
    assert note.body_msgid == "%(quoted)s" and note.params["quoted"] == {"text": proposal.reason_msg}
    with translation.override("en"):
        assert note.display_body == f"{complaint.tracking_no} {CATEGORY_EN}: {RESULT}"
    with translation.override("zh-hans"):
        assert note.display_body == note.body


def test_m12_an_urging_reason_whose_parameters_share_the_titles_names_is_quoted_without_a_clash(parties):
    policy = PolicyFactory(insurer=parties.insurer_a)
    reason = Text(gettext_noop("%(no)s %(category)s：%(result)s"), no="第七号",
                  category=gettext_lazy(CATEGORY), result=RESULT)
    reason.params["subject"] = "并非标题中的事项"  # a parameter named as the title's own (%(subject)s)
    with translation.override("zh-hans"):
        item = services.urging_item_open(actor=SystemActor("rescissions.decision_deadline_passed"),
                                         insurer=parties.insurer_a, subject=policy, rule="M12", reason=reason)
    note = Notification.objects.get(kind="credit.urging", user=parties.ins_assoc_user)
    assert note.params["subject"] == item.subject_label  # the title's parameter, untouched by the reason's
    assert note.params["quoted"]["text"]["params"]["subject"] == "并非标题中的事项"
    with translation.override("en"):
        assert note.display_body == f"第七号 {CATEGORY_EN}: {RESULT}"


def test_a_typed_urging_reason_is_a_plain_body(parties):
    policy = PolicyFactory(insurer=parties.insurer_a)
    services.urging_item_open(actor=SystemActor("rescissions.decision_deadline_passed"), insurer=parties.insurer_a,
                              subject=policy, rule="M12", reason="超期未作出决定")
    note = Notification.objects.get(kind="credit.urging", user=parties.ins_assoc_user)
    assert note.body == "超期未作出决定" and note.body_msgid == ""
