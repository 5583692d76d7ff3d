"""The filter form of a list behind its 筛选 disclosure ({% filterbox %}, templates/includes/filterbox.html): always
rendered open (a phone's script closes it), marked and summarised when the query string sets a filter — a choice
by its label, never its stored value; typed personal data masked; the page number is not a filter."""

import html
import re

from apps.core.crypto import mask_id_no
from apps.vehicles.forms import usage_choices
from tests.factories import make_resident_id

SUMMARY = re.compile(r'<details class="filterbox" open( data-active)? data-testid="filterbox">\s*<summary>(.*?)</summary>',
                     re.S)


def _box(client, path, query=None):
    page = client.get(path, query or {})
    assert page.status_code == 200
    found = SUMMARY.findall(page.content.decode())
    assert len(found) == 1, found
    active, summary = found[0]
    return bool(active), html.unescape(re.sub(r"<[^>]+>", "", summary))


def test_an_unfiltered_list_has_its_filters_in_an_open_disclosure_with_nothing_marked_active(client, parties):
    client.force_login(parties.transport_user)
    for path in ("/vehicles/", "/policies/", "/leads/outbox/", "/complaints/staff/", "/dashboard/deadlines/"):
        active, summary = _box(client, path, {"page": "1"})
        assert (active, summary) == (False, "筛选"), path


def test_a_filtered_list_names_its_filters_by_label_and_masks_typed_personal_data(client, parties):
    client.force_login(parties.transport_user)
    value, label = next((v, str(lab)) for v, lab in usage_choices() if v.startswith("class:"))
    active, summary = _box(client, "/vehicles/", {"usage": value, "q": "桂B12345", "company": "", "page": "1"})
    assert active
    assert summary == f"筛选已筛选：号牌或 VIN 桂B12345；使用性质 {label}"  # in the form's order
    assert value not in summary and "页" not in summary and "所属企业" not in summary
    id_no = make_resident_id(seq=7)
    active, summary = _box(client, "/vehicles/drivers/", {"id_no": id_no})
    assert active and summary == f"筛选已筛选：身份证号码（精确） {mask_id_no(id_no)}"
    assert id_no not in summary


def test_the_summary_reads_labels_of_every_kind_of_field_and_leaves_unlabelled_ones_out():
    from django.http import QueryDict

    from apps.core.templatetags.lz import active_filters

    markup = """<form method="get" class="filters">
      <label>状态<select name="status"><option value="">全部</option><option value="open">办理中</option></select></label>
      <label for="id_from">起始日期</label><input type="date" name="from" id="id_from">
      <label><input type="checkbox" name="overdue"> 仅看已超期</label>
      <label><input type="radio" name="side" value="in"> 收件</label><label><input type="radio" name="side" value="out"> 发件</label>
      <input name="unnamed_field"><input type="hidden" name="kind" value="x"><button type="submit">筛选</button></form>"""
    query = QueryDict("status=open&from=2026-11-01&overdue=on&side=out&unnamed_field=a&kind=x&page=3")
    assert active_filters(query, markup) == [("状态", "办理中"), ("起始日期", "2026-11-01"), ("仅看已超期", ""),
                                             ("发件", "")]
    assert active_filters(QueryDict("status=&page=2"), markup) == []
