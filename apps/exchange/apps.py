from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "apps.exchange"
    label = "exchange"
    verbose_name = _("数据交换")

    def ready(self) -> None:
        # in the body: AppConfig.ready() runs once every app's models are loaded
        from apps.core import home, navigation
        from apps.parties.services import ORGANIZATION_CREATED_HOOKS

        from . import services

        ORGANIZATION_CREATED_HOOKS.add(services.on_organization_created)
        navigation.register(_("数据交换"), "exchange-batch-list", order=80, group="exchange")
        navigation.register(_("文书签名核验"), "exchange-document-verify", order=81, group="exchange")
        home.register(
            "exchange-attention", "exchange/_home_panel.html", _home_panel,
            roles=["regulator_staff", "platform_admin"], order=90,
        )
        from . import log, registry

        if registry.get_kind(log.HEADS_KIND) is None:
            registry.register_kind(log.HEADS_KIND, log.ingest_heads, label=_("透明日志签名树头"))
        checks.register(_check_backoff_below_visibility_timeout)
        checks.register(_check_suite)


def _home_panel(request) -> dict:
    from .selectors import attention_count, batch_list, batch_state_counts

    return {
        "exchange_counts": batch_state_counts(batch_list(user=request.user)),
        "exchange_attention": attention_count(user=request.user),
    }


def _check_backoff_below_visibility_timeout(app_configs, **kwargs):
    from . import conf

    if conf.retry_backoff_max_seconds() >= conf.visibility_timeout():
        return [checks.Warning(
            "EXCHANGE_RETRY_BACKOFF_MAX_SECONDS is not below the broker visibility timeout; "
            "Redis would hand a waiting retry to a second worker.",
            id="exchange.W001",
        )]
    return []


def _check_suite(app_configs, **kwargs):
    from . import conf, crypto

    if conf.deployment_suite() not in crypto.FAMILIES:
        return [checks.Error(
            f"EXCHANGE_SUITE must be one of {', '.join(crypto.FAMILIES)}, not {conf.deployment_suite()!r}.",
            id="exchange.E001",
        )]
    return []
