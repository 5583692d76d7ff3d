"""Each order as its operating records describe it (``OperatingOrder``, issue 20): filled here from the raw records
stored so far; kept by every delivery from then on (``apps.ridehailing.partitions``)."""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models


FILL = """
INSERT INTO ridehailing_operatingorder (company_id, order_id, dep_vehicle, dep_day, pay_vehicle, pay_day, arrive_km,
    pay_km, arrived, last_day)
SELECT company_id, order_id,
       COALESCE((array_agg(vehicle_no ORDER BY day) FILTER (WHERE interface = 'operateDepart'))[1], ''),
       min(day) FILTER (WHERE interface = 'operateDepart'),
       COALESCE((array_agg(vehicle_no ORDER BY day) FILTER (WHERE interface = 'operatePay'))[1], ''),
       min(day) FILTER (WHERE interface = 'operatePay'),
       max(drive_mile) FILTER (WHERE interface = 'operateArrive'),
       max(drive_mile) FILTER (WHERE interface = 'operatePay'),
       bool_or(interface = 'operateArrive'), max(day)
FROM ridehailing_operatingrecord WHERE order_id <> '' GROUP BY company_id, order_id
"""


class Migration(migrations.Migration):

    dependencies = [
        ('ridehailing', '0005_arrival_plate'),
    ]

    operations = [
        migrations.CreateModel(
            name='OperatingOrder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('order_id', models.CharField(max_length=64, verbose_name='订单号')),
                ('dep_vehicle', models.CharField(blank=True, max_length=8)),
                ('dep_day', models.DateField(null=True)),
                ('pay_vehicle', models.CharField(blank=True, max_length=8)),
                ('pay_day', models.DateField(null=True)),
                ('vehicle_no', models.GeneratedField(db_persist=True, expression=models.Case(models.When(dep_day__isnull=False, then=models.F('dep_vehicle')), default=models.F('pay_vehicle')), output_field=models.CharField(max_length=8), verbose_name='车辆号牌')),
                ('day', models.GeneratedField(db_persist=True, expression=django.db.models.functions.comparison.Coalesce(models.F('dep_day'), models.F('pay_day')), output_field=models.DateField(), verbose_name='日期')),
                ('arrive_km', models.DecimalField(decimal_places=3, max_digits=12, null=True)),
                ('pay_km', models.DecimalField(decimal_places=3, max_digits=12, null=True)),
                ('arrived', models.BooleanField(default=False)),
                ('last_day', models.DateField()),
                ('company', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ridehailing.platformcompany', verbose_name='公司标识')),
            ],
            options={
                'verbose_name': '网约车订单',
                'verbose_name_plural': '网约车订单',
                'indexes': [models.Index(fields=['company', 'vehicle_no', 'day'], name='rh_order_vehicle_day'), models.Index(fields=['last_day'], name='rh_order_last_day')],
                'constraints': [models.UniqueConstraint(fields=('company', 'order_id'), name='rh_order_key')],
            },
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
    ]
