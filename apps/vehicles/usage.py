"""Usage nature (使用性质): the ONE place that maps the terms on registration certificates and policies to the two
classes the mechanism cares about, operating (营运) and non-operating (非营运).

Sources of the terms:
* registration certificates / 行驶证 (GA 802 usage natures): 非营运, 公路客运, 公交客运, 出租客运, 旅游客运, 租赁,
  货运, 教练, 预约出租客运, 营转非, 出租转非, 预约出租转非 …
* policies (seed 002 rule J2 asks for 使用性质 on every proposal; seed 004 uses 营业性/非营业, 家庭自用, 家庭自备车,
  机关非营业客车, 营业性货运; seed 003 uses 运营车/非运营车): 家庭自用, 非营业个人, 非营业企业, 非营业机关,
  营业出租租赁, 营业城市公交, 营业公路客运 …

Each term maps to a ``UsageNature`` code (stored in the database) and each code to a ``UsageClass``.
``parse_usage_nature`` is what importers, forms and the API call; an unknown term is an error with the list of
accepted terms, never a guess (a wrong guess would turn an illegally operating car into a lawful one).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class UsageClass(models.TextChoices):
    OPERATING = "operating", _("营运")
    NON_OPERATING = "non_operating", _("非营运")


class UsageNature(models.TextChoices):
    # operating (营运 / 营业)
    OPERATING = "operating", _("营运")
    RIDE_HAILING = "ride_hailing", _("预约出租客运")
    CRUISING_TAXI = "cruising_taxi", _("出租客运")
    RENTAL = "rental", _("营业出租租赁")
    HIGHWAY_PASSENGER = "highway_passenger", _("公路客运")
    PUBLIC_TRANSIT = "public_transit", _("公交客运")
    TOURISM = "tourism", _("旅游客运")
    FREIGHT = "freight", _("营业货运")
    # non-operating (非营运 / 非营业)
    NON_OPERATING = "non_operating", _("非营运")
    PERSONAL = "personal", _("非营业个人")
    ENTERPRISE = "enterprise", _("非营业企业")
    GOVERNMENT = "government", _("非营业机关")
    FAMILY = "family", _("家庭自用")
    CONVERTED = "converted", _("营转非")
    NON_OPERATING_FREIGHT = "non_operating_freight", _("非营业货车")
    TRAINING = "training", _("教练")


OPERATING_NATURES: frozenset[str] = frozenset({
    UsageNature.OPERATING, UsageNature.RIDE_HAILING, UsageNature.CRUISING_TAXI, UsageNature.RENTAL,
    UsageNature.HIGHWAY_PASSENGER, UsageNature.PUBLIC_TRANSIT, UsageNature.TOURISM, UsageNature.FREIGHT,
})
ALL_NATURES: frozenset[str] = frozenset(UsageNature.values)
NON_OPERATING_NATURES: frozenset[str] = frozenset(ALL_NATURES - set(OPERATING_NATURES))

# Every spelling met in import files, normalised by ``_key`` (no spaces, full-width brackets folded).
_TERMS: dict[str, str] = {
    # generic
    "营运": UsageNature.OPERATING, "营业": UsageNature.OPERATING, "营业性": UsageNature.OPERATING,
    "运营": UsageNature.OPERATING, "营业用": UsageNature.OPERATING, "营业客车": UsageNature.OPERATING,
    "非营运": UsageNature.NON_OPERATING, "非营业": UsageNature.NON_OPERATING, "非运营": UsageNature.NON_OPERATING,
    "非营业性": UsageNature.NON_OPERATING, "非营业客车": UsageNature.NON_OPERATING,
    # ride-hailing (网络预约出租汽车)
    "预约出租客运": UsageNature.RIDE_HAILING, "网约车": UsageNature.RIDE_HAILING,
    "网络预约出租汽车": UsageNature.RIDE_HAILING, "网络预约出租客运": UsageNature.RIDE_HAILING,
    "营业网约车": UsageNature.RIDE_HAILING, "预约出租": UsageNature.RIDE_HAILING,
    # cruising taxi
    "出租客运": UsageNature.CRUISING_TAXI, "巡游出租客运": UsageNature.CRUISING_TAXI,
    "巡游出租汽车": UsageNature.CRUISING_TAXI, "出租车": UsageNature.CRUISING_TAXI,
    "营业出租": UsageNature.CRUISING_TAXI,
    # rental
    "营业出租租赁": UsageNature.RENTAL, "租赁": UsageNature.RENTAL, "营业租赁": UsageNature.RENTAL,
    # other passenger transport
    "公路客运": UsageNature.HIGHWAY_PASSENGER, "营业公路客运": UsageNature.HIGHWAY_PASSENGER,
    "公交客运": UsageNature.PUBLIC_TRANSIT, "营业城市公交": UsageNature.PUBLIC_TRANSIT,
    "城市公交": UsageNature.PUBLIC_TRANSIT,
    "旅游客运": UsageNature.TOURISM, "营业旅游客运": UsageNature.TOURISM,
    # freight (004: a personal truck marked 货运 is always insured as operating)
    "营业货运": UsageNature.FREIGHT, "货运": UsageNature.FREIGHT, "营业货车": UsageNature.FREIGHT,
    "营业性货运": UsageNature.FREIGHT,
    # non-operating
    "非营业个人": UsageNature.PERSONAL, "非营业个人客车": UsageNature.PERSONAL, "个人非营业": UsageNature.PERSONAL,
    "非营业企业": UsageNature.ENTERPRISE, "非营业企业客车": UsageNature.ENTERPRISE,
    "企业非营业": UsageNature.ENTERPRISE,
    "非营业机关": UsageNature.GOVERNMENT, "非营业机关客车": UsageNature.GOVERNMENT,
    "机关非营业": UsageNature.GOVERNMENT, "机关非营业客车": UsageNature.GOVERNMENT,
    "非营业机关、事业团体": UsageNature.GOVERNMENT, "非营业机关事业团体客车": UsageNature.GOVERNMENT,
    "家庭自用": UsageNature.FAMILY, "家庭自用汽车": UsageNature.FAMILY, "家庭自用车": UsageNature.FAMILY,
    "家庭自备车": UsageNature.FAMILY, "私家车": UsageNature.FAMILY,
    "营转非": UsageNature.CONVERTED, "出租转非": UsageNature.CONVERTED, "预约出租转非": UsageNature.CONVERTED,
    "非营业货车": UsageNature.NON_OPERATING_FREIGHT, "非营业货运": UsageNature.NON_OPERATING_FREIGHT,
    # 004 item 3: training cars may be insured under the non-operating terms
    "教练": UsageNature.TRAINING, "教练车": UsageNature.TRAINING,
}


def _key(text: str) -> str:
    text = re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")")
    return text.strip("()")


def parse_usage_nature(text: str | None) -> str:
    """Map a Chinese term (or a stored code) to a ``UsageNature`` value; unknown → ``ValidationError`` in Chinese."""
    if text is None or not str(text).strip():
        raise ValidationError(_("请填写使用性质。"), code="usage_required")
    raw = str(text).strip()
    if raw in ALL_NATURES:
        return raw
    key = _key(raw)
    if key in _TERMS:
        return str(_TERMS[key])
    raise ValidationError(
        _("无法识别的使用性质“%(value)s”。可用的写法有：%(terms)s。"),
        code="usage_unknown", params={"value": raw, "terms": "、".join(accepted_terms())},
    )


def accepted_terms() -> list[str]:
    return list(_TERMS)


def usage_class(nature: str | None) -> str | None:
    """``UsageClass`` of a stored nature code; ``None`` when the nature is not known (blank)."""
    if not nature:
        return None
    return UsageClass.OPERATING if nature in OPERATING_NATURES else UsageClass.NON_OPERATING


def is_operating(nature: str | None) -> bool:
    return nature in OPERATING_NATURES


def nature_label(nature: str | None) -> str:
    return str(UsageNature(nature).label) if nature in ALL_NATURES else ""
