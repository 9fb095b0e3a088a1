"""The COVID-19 vaccines used in Viet Nam in 2021–2022, with the date the Ministry of Health first approved each
(a dose dated earlier is an error) and its primary schedule. Approval dates from the Ministry's announcements as
reported in the press [U]; intervals are the shortest the Ministry's guidance allowed [U]. Editable data."""

import datetime as dt

from django.db import migrations

D = dt.date
VACCINES = [
    # code, name, aliases, primary doses, min interval days, available from, source
    ("AZ", "AstraZeneca (Vaxzevria)", ["astrazeneca", "astra zeneca", "az", "vaxzevria", "covishield"], 2, 28,
     D(2021, 2, 1), "Bộ Y tế phê duyệt có điều kiện 01/02/2021; mũi đầu tiên tại Việt Nam 08/3/2021"),
    ("SPUTNIK", "Sputnik V (Gam-COVID-Vac)", ["sputnik", "sputnik v", "gam-covid-vac"], 2, 21,
     D(2021, 3, 23), "Bộ Y tế phê duyệt có điều kiện 23/3/2021"),
    ("SINOPHARM", "Sinopharm (Vero Cell)", ["sinopharm", "vero cell", "verocell", "bbibp-corv"], 2, 21,
     D(2021, 6, 3), "Bộ Y tế phê duyệt có điều kiện 03/6/2021"),
    ("PFIZER", "Pfizer-BioNTech (Comirnaty)", ["pfizer", "comirnaty", "pfizer-biontech", "pfizer biontech"], 2, 21,
     D(2021, 6, 12), "Bộ Y tế phê duyệt có điều kiện 12/6/2021"),
    ("MODERNA", "Moderna (Spikevax)", ["moderna", "spikevax"], 2, 28,
     D(2021, 6, 29), "Bộ Y tế phê duyệt có điều kiện 29/6/2021"),
    ("JANSSEN", "Janssen (Johnson & Johnson)", ["janssen", "johnson & johnson", "johnson", "j&j"], 1, 0,
     D(2021, 7, 15), "Bộ Y tế phê duyệt có điều kiện 15/7/2021; một mũi cơ bản"),
    ("HAYAT", "Hayat-Vax", ["hayat-vax", "hayat vax", "hayat"], 2, 21,
     D(2021, 9, 10), "Bộ Y tế phê duyệt có điều kiện 10/9/2021"),
    ("ABDALA", "Abdala", ["abdala", "cigb-66"], 3, 14,
     D(2021, 9, 18), "Bộ Y tế phê duyệt có điều kiện 18/9/2021; ba mũi cơ bản"),
    ("COVAXIN", "Covaxin", ["covaxin", "bbv152"], 2, 28,
     D(2021, 11, 10), "Bộ Y tế phê duyệt có điều kiện 10/11/2021"),
]


def seed(apps, schema_editor):
    Vaccine = apps.get_model("vaccination", "Vaccine")
    for code, name, aliases, primary, interval, available, source in VACCINES:
        Vaccine.objects.update_or_create(
            code=code,
            defaults={"name": name, "aliases": aliases, "primary_doses": primary, "min_interval_days": interval,
                      "available_from": available, "source": source},
        )


def unseed(apps, schema_editor):
    apps.get_model("vaccination", "Vaccine").objects.filter(code__in=[v[0] for v in VACCINES]).delete()


class Migration(migrations.Migration):
    dependencies = [("vaccination", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
