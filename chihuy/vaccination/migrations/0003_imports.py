"""The review queue of imported dose rows that matched no one, several people or a conflicting dose; campaign targets."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_seed_case_policies'),
        ('people', '0005_fewer_indexes_to_maintain'),
        ('places', '0001_initial'),
        ('vaccination', '0002_seed_vaccines'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CampaignTarget',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('unit_path', models.CharField(max_length=255)),
                ('age_group', models.CharField(choices=[('12-17', '12–17'), ('18+', '≥ 18'), ('50+', '≥ 50'), ('65+', '≥ 65'), ('all', 'Toàn dân')], max_length=5)),
                ('kind', models.CharField(choices=[('first', '≥ 1 mũi'), ('full', 'Đủ mũi cơ bản'), ('booster', 'Mũi nhắc')], default='first', max_length=8)),
                ('target_pct', models.DecimalField(decimal_places=1, max_digits=4)),
                ('due_on', models.DateField()),
                ('note', models.CharField(blank=True, max_length=300)),
                ('is_active', models.BooleanField(default=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.unit')),
            ],
            options={
                'verbose_name': 'chỉ tiêu chiến dịch tiêm',
                'verbose_name_plural': 'chỉ tiêu chiến dịch tiêm',
                'ordering': ['due_on', 'id'],
                'indexes': [models.Index(fields=['unit_path', 'due_on'], name='campaign_target_area')],
                'constraints': [models.CheckConstraint(condition=models.Q(('target_pct__gt', 0), ('target_pct__lte', 100)), name='campaign_target_pct_range')],
            },
        ),
        migrations.CreateModel(
            name='DoseReview',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('unit_path', models.CharField(max_length=255)),
                ('filename', models.CharField(blank=True, max_length=255)),
                ('row_number', models.PositiveIntegerField()),
                ('raw', models.JSONField(default=dict)),
                ('parsed', models.JSONField(default=dict)),
                ('fingerprint', models.CharField(max_length=200)),
                ('reason', models.CharField(choices=[('unmatched', 'Không tìm thấy người'), ('ambiguous', 'Nhiều người khớp'), ('id_mismatch', 'Khớp tên và ngày sinh nhưng khác số CCCD'), ('conflict', 'Người đã có mũi này với ngày khác')], max_length=12)),
                ('candidates', models.JSONField(blank=True, default=list)),
                ('status', models.CharField(choices=[('pending', 'Chờ đối chiếu'), ('resolved', 'Đã ghép người'), ('rejected', 'Đã loại')], default='pending', max_length=10)),
                ('reject_reason', models.CharField(blank=True, max_length=300)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('dose', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='vaccination.dose')),
                ('job', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='core.job')),
                ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='people.person')),
            ],
            options={
                'verbose_name': 'dòng chờ đối chiếu',
                'verbose_name_plural': 'hàng đợi đối chiếu mũi tiêm',
                'ordering': ['-id'],
                'indexes': [models.Index(fields=['unit_path', 'status', 'id'], name='dose_review_area'), models.Index(fields=['fingerprint'], name='dose_review_fingerprint')],
            },
        ),
    ]
