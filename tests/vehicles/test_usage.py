"""Usage nature (使用性质): one enumeration, two classes, terms from certificates and policies."""

import pytest
from django.core.exceptions import ValidationError

from apps.vehicles.usage import (
    NON_OPERATING_NATURES,
    OPERATING_NATURES,
    UsageClass,
    UsageNature,
    parse_usage_nature,
    usage_class,
)


@pytest.mark.parametrize(("term", "nature", "klass"), [
    ("营运", UsageNature.OPERATING, UsageClass.OPERATING),
    ("非营运", UsageNature.NON_OPERATING, UsageClass.NON_OPERATING),
    ("预约出租客运", UsageNature.RIDE_HAILING, UsageClass.OPERATING),
    ("出租客运", UsageNature.CRUISING_TAXI, UsageClass.OPERATING),
    ("公路客运", UsageNature.HIGHWAY_PASSENGER, UsageClass.OPERATING),
    ("公交客运", UsageNature.PUBLIC_TRANSIT, UsageClass.OPERATING),
    ("旅游客运", UsageNature.TOURISM, UsageClass.OPERATING),
    ("营业出租租赁", UsageNature.RENTAL, UsageClass.OPERATING),
    ("营业城市公交", UsageNature.PUBLIC_TRANSIT, UsageClass.OPERATING),
    ("非营业个人", UsageNature.PERSONAL, UsageClass.NON_OPERATING),
    ("非营业企业", UsageNature.ENTERPRISE, UsageClass.NON_OPERATING),
    ("非营业机关", UsageNature.GOVERNMENT, UsageClass.NON_OPERATING),
    ("机关非营业客车", UsageNature.GOVERNMENT, UsageClass.NON_OPERATING),  # seed 002
    ("家庭自用", UsageNature.FAMILY, UsageClass.NON_OPERATING),
    ("家庭自备车", UsageNature.FAMILY, UsageClass.NON_OPERATING),  # seed 004
    ("营业性货运", UsageNature.FREIGHT, UsageClass.OPERATING),  # seed 004
    ("营转非", UsageNature.CONVERTED, UsageClass.NON_OPERATING),
    (" 家庭 自用 ", UsageNature.FAMILY, UsageClass.NON_OPERATING),
    ("（预约出租客运）", UsageNature.RIDE_HAILING, UsageClass.OPERATING),
    ("ride_hailing", UsageNature.RIDE_HAILING, UsageClass.OPERATING),
])
def test_terms_map_to_two_classes(term, nature, klass):
    assert parse_usage_nature(term) == nature
    assert usage_class(parse_usage_nature(term)) == klass


def test_unknown_term_is_a_clear_chinese_error():
    with pytest.raises(ValidationError) as exc:
        parse_usage_nature("跑车用")
    assert "无法识别的使用性质“跑车用”" in exc.value.messages[0]
    assert "预约出租客运" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        parse_usage_nature("  ")
    assert exc.value.messages == ["请填写使用性质。"]


def test_every_nature_has_exactly_one_class():
    assert OPERATING_NATURES | NON_OPERATING_NATURES == set(UsageNature.values)
    assert not OPERATING_NATURES & NON_OPERATING_NATURES
    assert usage_class("") is None
