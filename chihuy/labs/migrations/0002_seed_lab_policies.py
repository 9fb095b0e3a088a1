"""Rules of testing (DOMAIN.md, seed 001 §6): the 12-hour turnaround, pool sizes, Ct range and genes, and when a
positive rapid antigen test makes an F0 (11042/BYT-DP from 29/12/2021; before it, RT-PCR confirmed)."""

import datetime as dt

from django.db import migrations

ROWS = [
    ("labs.turnaround_hours", {"hours": 12}, dt.date(2020, 1, 1), True,
     "Kế hoạch 001 §6 (Lai Châu): trả kết quả trong 12 giờ, đúng người, không để xảy ra sai sót",
     "Hours from collection to result; a tube past it is overdue and alerted to the lab and the commune"),
    ("labs.pool_sizes", {"sizes": [1, 5, 10]}, dt.date(2020, 1, 1), False,
     "ChiHuy default: gộp mẫu 5 hoặc 10 (DOMAIN.md: xét nghiệm gộp mẫu)",
     "Pool sizes a campaign may use (1 = single samples) [U]"),
    ("labs.ct", {"min": 0, "max": 45, "genes": ["E", "N", "RdRp", "ORF1ab", "S"]}, dt.date(2020, 1, 1), False,
     "ChiHuy default: dải Ct của máy RT-PCR thông dụng (0–45 chu kỳ)",
     "Accepted Ct range and gene names of result files [U]"),
    ("labs.rapid_positive", {"f0_max_level": None, "two_within_hours": None}, dt.date(2020, 1, 1), False,
     "ChiHuy default before 11042/BYT-DP: test nhanh dương tính phải khẳng định bằng RT-PCR",
     "A positive rapid antigen test asks for an RT-PCR confirmation [U]"),
    ("labs.rapid_positive", {"f0_max_level": 1, "two_within_hours": 8}, dt.date(2021, 12, 29), True,
     "Công văn 11042/BYT-DP ngày 29/12/2021: F1 có test nhanh dương tính, hoặc 2 lần test nhanh dương tính "
     "trong 8 giờ với người có yếu tố dịch tễ, là F0",
     "f0_max_level: an F1 (or closer) with a positive rapid test is an F0; two_within_hours: two positive rapid "
     "tests within this many hours for a person with epidemiological factors (any F-level) is an F0"),
    ("labs.notify", {"negatives_to_person": True}, dt.date(2020, 1, 1), False,
     "ChiHuy default: trả kết quả đúng người (Kế hoạch 001 §6) — tin nhắn cho từng người",
     "Whether negative results are texted to each person (positives always are) [U]"),
]


def seed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    ordered = sorted(ROWS, key=lambda r: (r[0], r[2]))
    for i, (key, value, valid_from, verified, source, note) in enumerate(ordered):
        following = next((r for r in ordered[i + 1:] if r[0] == key), None)
        Policy.objects.update_or_create(
            key=key, valid_from=valid_from,
            defaults={"value": value, "valid_to": following[2] if following else None, "source_document": source,
                      "verified": verified, "note": note},
        )


def unseed(apps, schema_editor):
    Policy = apps.get_model("core", "Policy")
    for key, _value, valid_from, *_rest in ROWS:
        Policy.objects.filter(key=key, valid_from=valid_from).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0004_seed_case_policies"), ("labs", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
