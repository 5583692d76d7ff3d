"""Refused pushes, demo data, home panels."""

from io import StringIO

from django.db import connection, transaction

from apps.demo.seeders.leads import seed_demo
from apps.exchange import services as exchange
from apps.exchange.models import Batch
from apps.leads import services
from apps.leads.models import Lead, RiskModelWeights, Status

from .factories import private_car


def test_a_refused_leads_batch_returns_its_leads_to_new(parties):
    """The recipient rejects a tampered batch for good; the leads go back to ``new`` (with the reason on their
    trail) so the sender can push them again."""
    lead = services.lead_flag(actor=parties.transport_user, plate=private_car().plate, evidence="e", push=True)
    batch = Batch.objects.get(kind="leads")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # bypass the outbox's own trigger
        cursor.execute("UPDATE exchange_batch SET ciphertext = %s WHERE id = %s",
                       [bytes(batch.ciphertext)[:-1] + b"\x00", batch.pk])
    assert exchange.batch_deliver(batch_id=batch.pk) == "rejected"
    lead.refresh_from_db()
    assert lead.status == Status.NEW and lead.recipient is None
    event = lead.events.get(action="push_rejected")
    assert event.from_status == Status.PUSHED and event.detail["batch"] == str(batch.pk)
    again = services.lead_push(actor=parties.transport_user, leads=[lead])
    assert again.pk != batch.pk


def test_demo_seeder_is_idempotent(parties):
    private_car()
    private_car()
    out = StringIO()
    seed_demo(out)
    seed_demo(out)
    assert RiskModelWeights.objects.count() == 1
    assert Lead.objects.filter(status=Status.NEW, origin=parties.transport).count() == 2


def test_home_panels(parties, client, deliver):
    services.lead_flag(actor=parties.transport_user, plate=private_car().plate, evidence="e", push=True)
    deliver()
    client.force_login(parties.regulator_user)
    body = client.get("/").content.decode()
    assert 'data-panel="leads-inbox"' in body
    client.force_login(parties.insurer_a_user)
    assert 'data-panel="leads-worklist"' in client.get("/").content.decode()


def test_pages_are_available_in_english(parties, client, settings):
    client.force_login(parties.transport_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get("/leads/outbox/").content.decode()
    assert "Lead outbox" in body and "Flag a vehicle" in body
