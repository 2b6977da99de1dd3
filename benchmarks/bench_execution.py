"""Time campaign execution's set-based steps against the per-row way, and the send rate.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_execution.py [--members 20000] [--sample 1000]
        [--runs 3] [--postgres URL] [--messages 300]

Each database runs in a fresh process on a scratch database (SQLite: a temporary file;
PostgreSQL: the database in ``--postgres``, emptied first). It creates ``--members``
customers, one e-mail campaign whose members are all treated and sent, and orders for
about a third of them inside the attribution window, then times:

- **timeline**: ``campaign_contacts_timeline_log`` (one bulk INSERT per 1,000) against
  ``touchpoints.services.interaction_log`` called per member on ``--sample`` members;
- **attribution**: ``campaign_conversions_attribute`` (a few UPDATE ... = (subquery)) against
  a per-member loop (first order in the window, its lines summed) on ``--sample`` members;
- **send**: ``campaign_email_send_run`` of ``--messages`` messages to a local aiosmtpd
  server in its own process, unthrottled and at 20 a second, against the same
  personalised messages sent over one connection without the claims and marks (the
  price of at-most-once) and ``django.core.mail.send_mail`` per tiny message (a new
  SMTP connection each, the naive way).

The per-row baselines are extrapolated to ``--members`` by rows. Medians of ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _median(values):
    return statistics.median(values)


def child(args) -> dict:
    import django

    django.setup()
    import datetime as dt
    from decimal import Decimal

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from dangol.catalog.models import Category, Product
    from dangol.core.bulk import bulk_insert, sql_datetime
    from dangol.customers.models import Customer
    from dangol.marketing.execution import sending
    from dangol.marketing.execution.attribution import campaign_conversions_attribute
    from dangol.marketing.execution.timeline import campaign_contacts_timeline_log
    from dangol.marketing.models import Campaign, CampaignMember, Segment
    from dangol.sales.models import Order, OrderLine
    from dangol.touchpoints.models import Interaction
    from dangol.touchpoints.services import interaction_log

    n = args.members
    aware_now = timezone.now().replace(microsecond=0)
    launched = aware_now - dt.timedelta(days=20)
    now = sql_datetime(aware_now)
    sent_at_aware = launched + dt.timedelta(hours=1)
    sent_at = sql_datetime(sent_at_aware)
    ordered_at = sql_datetime(sent_at_aware + dt.timedelta(days=2))
    with transaction.atomic():
        bulk_insert(
            table=Customer._meta.db_table,
            columns=["created_at", "updated_at", "kind", "name", "email", "phone",
                     "phone_digits", "gender", "region", "city", "acquisition_channel",
                     "status", "consent_email", "consent_sms", "consent_phone",
                     "consent_post", "custom_fields", "version"],
            rows=((now, now, "person", f"Customer {i}", f"c{i}@example.test", "", "", "",
                   "", "Seoul", "", "customer", True, False, False, False, "{}", 1)
                  for i in range(n)),
        )  # fmt: skip
        category = Category.objects.create(name="Coats", path="Coats")
        product = Product.objects.create(
            sku="COAT", name="Coat", category=category, unit_price=Decimal("15000"),
            unit_cost=Decimal("9000"),
        )  # fmt: skip
        segment = Segment.objects.create(name="All", rule={})
        campaign = Campaign.objects.create(
            name="Bench", goal="retention", channel="email", status="running", segment=segment,
            launched_at=launched, subject_en="Hello {{ name }}", body_en="<p>{{ greeting }}</p>",
        )  # fmt: skip
        ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
        bulk_insert(
            table=CampaignMember._meta.db_table,
            columns=["created_at", "updated_at", "campaign_id", "customer_id", "arm", "status",
                     "suppression_reason", "sent_at", "attempts", "message_id", "call_outcome"],
            rows=((now, now, campaign.pk, cid, "treatment", "sent", "", sent_at, 1, "", "")
                  for cid in ids),
        )  # fmt: skip
        buyers = ids[::3]
        bulk_insert(
            table=Order._meta.db_table,
            columns=["created_at", "updated_at", "number", "customer_id", "ordered_at",
                     "channel", "status"],
            rows=((now, now, f"B{cid}", cid, ordered_at, "online",
                   "completed") for cid in buyers),
        )  # fmt: skip
        order_ids = Order.objects.order_by("pk").values_list("pk", flat=True)
        bulk_insert(
            table=OrderLine._meta.db_table,
            columns=["order_id", "product_id", "quantity", "unit_price", "discount"],
            rows=((oid, product.pk, 2, Decimal("15000"), Decimal("0")) for oid in order_ids),
        )  # fmt: skip
    members = list(
        CampaignMember.objects.filter(campaign=campaign).select_related("customer")[: args.sample]
    )
    out: dict = {"vendor": connection.vendor, "members": n, "sample": len(members)}

    def clear_timeline():
        Interaction.objects.all().delete()

    bulk_times, row_times = [], []
    for _ in range(args.runs):
        clear_timeline()
        started = time.perf_counter()
        written = campaign_contacts_timeline_log(campaign=campaign)
        bulk_times.append(time.perf_counter() - started)
        assert written == n, written
        clear_timeline()
        started = time.perf_counter()
        with transaction.atomic():
            for m in members:
                interaction_log(actor=None, customer=m.customer, channel="email",
                                direction="outbound", subject="Campaign sent",
                                occurred_at=m.sent_at, concerns=m)  # fmt: skip
        row_times.append((time.perf_counter() - started) * n / len(members))
    out["timeline"] = {"bulk": _median(bulk_times), "per_row_extrapolated": _median(row_times)}

    attr_times, loop_times = [], []
    window = dt.timedelta(days=campaign.attribution_days)
    for _ in range(args.runs):
        CampaignMember.objects.update(conversion_order_id=None)
        started = time.perf_counter()
        report = campaign_conversions_attribute(campaign=campaign)
        attr_times.append(time.perf_counter() - started)
        assert report.treated_conversions == len(buyers), report
        started = time.perf_counter()
        with transaction.atomic():
            for m in members:
                order = (
                    Order.objects.filter(customer_id=m.customer_id, ordered_at__gte=m.sent_at,
                                         ordered_at__lt=m.sent_at + window)
                    .exclude(status__in=["cancelled", "returned"])
                    .order_by("ordered_at", "pk").first()
                )  # fmt: skip
                if order is not None:
                    revenue = sum(line.total for line in order.lines.all())
                    CampaignMember.objects.filter(pk=m.pk).update(
                        conversion_order_id=order.pk, converted_at=order.ordered_at,
                        conversion_revenue=revenue,
                    )  # fmt: skip
        loop_times.append((time.perf_counter() - started) * n / len(members))
    out["attribution"] = {
        "set_based": _median(attr_times),
        "per_row_extrapolated": _median(loop_times),
    }

    # Sending: a real SMTP server in its own process (aiosmtpd, discarding what it gets),
    # so that its parsing does not compete with the sender for this process's GIL.
    from dangol.marketing.execution.render import Recipient

    sys.path.insert(0, str(ROOT))
    from dangol.marketing.tests.execution.smtp import free_port

    port = free_port()
    server = subprocess.Popen(  # noqa: S603 (our own interpreter)
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Sink"],
    )  # fmt: skip
    time.sleep(1.5)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    send = {}
    campaign_contacts_timeline_log(campaign=campaign)  # every sent member logged already
    from django.urls import reverse

    reverse("marketing:my_calls")  # load the URLconf (all apps' views) before timing
    try:
        for label, rate in (("unthrottled", 0), ("rate_20", 20)):
            CampaignMember.objects.filter(campaign=campaign).update(status="sent")
            pending = list(
                CampaignMember.objects.filter(campaign=campaign).order_by("pk")
                .values_list("pk", flat=True)[: args.messages]
            )  # fmt: skip
            CampaignMember.objects.filter(pk__in=pending).update(status="pending", sent_at=None)
            started = time.perf_counter()
            report = sending.campaign_email_send_run(campaign=campaign, rate=rate)
            elapsed = time.perf_counter() - started
            assert report.sent == len(pending), report
            send[label] = {"messages": report.sent, "seconds": elapsed,
                           "per_second": report.sent / elapsed}  # fmt: skip
        # The same personalised messages over one connection, without claims and marks.
        from django.core.mail import get_connection

        recipients = [
            Recipient(member_id=pk, campaign_id=campaign.pk, customer_id=cid, name=name,
                      email=email, status="customer")
            for pk, cid, name, email in CampaignMember.objects.filter(campaign=campaign)
            .order_by("pk").values_list("pk", "customer_id", "customer__name",
                                        "customer__email")[: args.messages]
        ]  # fmt: skip
        started = time.perf_counter()
        connection_ = get_connection()
        connection_.open()
        for recipient in recipients:
            connection_.send_messages([sending.email_message_build(recipient, campaign=campaign)])
        connection_.close()
        elapsed = time.perf_counter() - started
        send["same_messages_no_bookkeeping"] = {
            "messages": len(recipients),
            "seconds": elapsed,
            "per_second": len(recipients) / elapsed,
        }
        from django.core.mail import send_mail

        started = time.perf_counter()
        for i in range(args.messages):
            send_mail("Hello", "Body", "shop@dangol.test", [f"n{i}@example.test"])
        elapsed = time.perf_counter() - started
        send["send_mail_per_message"] = {"messages": args.messages, "seconds": elapsed,
                                         "per_second": args.messages / elapsed}  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)
    out["send"] = send
    return out


def _empty_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--postgres", default="")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    targets = [("sqlite", None)] + ([("postgresql", args.postgres)] if args.postgres else [])
    for _name, url in targets:
        with tempfile.TemporaryDirectory() as data_dir:
            env = dict(os.environ, DANGOL_DATA_DIR=data_dir,
                       DJANGO_SETTINGS_MODULE="dangol.config.settings")  # fmt: skip
            env.pop("DATABASE_URL", None)
            if url:
                _empty_postgres(url)
                env["DATABASE_URL"] = url
            proc = subprocess.run(  # noqa: S603 (our own interpreter and script)
                [sys.executable, __file__, "--child", "--members", str(args.members),
                 "--sample", str(args.sample), "--runs", str(args.runs),
                 "--messages", str(args.messages)],
                cwd=ROOT, env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
