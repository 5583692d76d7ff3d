from django import forms
from django.utils.translation import gettext_lazy as _

from . import registry
from .models import Batch
from .selectors import DIRECTION_RECEIVED, DIRECTION_SENT


class BatchFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False)
    kind = forms.ChoiceField(label=_("类别"), required=False)
    direction = forms.ChoiceField(label=_("方向"), required=False)
    ref = forms.CharField(label=_("业务编号"), required=False, max_length=120)

    def __init__(self, *args, whole_flow: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [
            ("", _("全部状态")), ("attention", _("需处理（失败或拒收）")), *Batch.State.choices,
        ]
        self.fields["kind"].choices = [("", _("全部类别")), *registry.kind_choices()]
        self.fields["direction"].choices = [
            ("", _("全部流向") if whole_flow else _("发出和收到")),
            (DIRECTION_SENT, _("本单位发出")),
            (DIRECTION_RECEIVED, _("本单位收到")),
        ]

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


MAX_PDF_BYTES = 20 * 1024 * 1024


class DocumentVerifyForm(forms.Form):
    """A PDF to check on the verify page (a signed notice or decision)."""

    file = forms.FileField(label=_("PDF 文件"), help_text=_("选择要核验的文书 PDF（不超过 20 MB）。"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_PDF_BYTES:
            raise forms.ValidationError(_("文件超过 20 MB，不能核验。"))
        return upload
