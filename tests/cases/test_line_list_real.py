"""The real list: Viet Nam's public COVID-19 patient list of 2020 (BN1–BN271, Ministry of Health announcements
via the open-data repository trongthanh/vncovid19; see tests/cases/data/make_vn_patients_2020.py for the
commit read and what was transformed) imports through the same service as the screen and the API with its
chains intact.

Everything the test expects is computed here from the CSV, without the app's parser: the infector numbers
are the digits of the "Nguồn lây" cell, the roots are the rows without one, the generations the longest
infector path. The data has no infector outside the list, no self-reference and no cycle (asserted below,
on the CSV), so every row must import and every link must be stored.

Units: the list is national (38 provinces) but a ChiHuy user's area is one province's tree and there is no
national unit above the provinces; the test database holds the real Lai Châu tree only. So the main test
sets every row's "Tỉnh" to Lai Châu — IN THE TEST ONLY, the importer's own province — while numbers, dates,
ages, sexes, detection ways, infectors, cluster and status stay as the data gives them. A second test
uploads the file as it is and shows how the app treats the other provinces: each such row is named as an
error and nothing is written; the list's two real Lai Châu residents (BN133, BN172) pass.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import vietnam_provinces

from chihuy.accounts.roles import Role
from chihuy.cases.enums import CaseStatus, DetectionWay
from chihuy.cases.imports import case_line_list_import
from chihuy.cases.models import Case, CaseSource, Cluster
from chihuy.cases.selectors import cluster_summary
from chihuy.core.text import fold
from tests.conftest import LAI_CHAU

DATA = Path(__file__).parent / "data" / "vn_patients_2020.csv"
BACH_MAI = "Ổ dịch Bệnh viện Bạch Mai"


def the_list() -> tuple[list[str], list[dict[str, str]]]:
    """The CSV's header and rows, its "#" note lines left out (as a user removes them before uploading)."""
    lines = [line for line in DATA.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    reader = csv.DictReader(lines)
    return list(reader.fieldnames or []), list(reader)


def upload(headers: list[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def links_of(rows: list[dict[str, str]]) -> set[tuple[str, str]]:
    """(infector, infectee) from the CSV: every number in the "Nguồn lây" cell, whatever its spelling."""
    return {(f"BN{int(n)}", row["Mã bệnh nhân"]) for row in rows for n in re.findall(r"\d+", row["Nguồn lây"])}


def generations(numbers: set[str], links: set[tuple[str, str]]) -> dict[str, int]:
    """1 for a case without an infector, else 1 + the deepest of its infectors (the longest chain)."""
    parents: dict[str, list[str]] = {}
    for infector, infectee in links:
        parents.setdefault(infectee, []).append(infector)
    found: dict[str, int] = {}
    for number in sorted(numbers, key=lambda n: int(n[2:])):  # no infector has a later number (asserted)
        found[number] = 1 + max((found[p] for p in parents.get(number, [])), default=0)
    return found


def stored_links() -> set[tuple[str, str]]:
    return set(CaseSource.objects.values_list("infector__number", "infectee__number"))


def run(actor: Any, data: bytes) -> Any:
    return case_line_list_import(actor=actor, within=actor.unit_path, data=data, filename="vn-patients-2020.csv")


@pytest.fixture
def province_officer(make_user: Any) -> Any:
    return make_user(Role.HEALTH_OFFICER, LAI_CHAU)


def test_the_csv_is_the_real_list_and_exercises_every_infector_spelling() -> None:
    _headers, rows = the_list()
    numbers = [row["Mã bệnh nhân"] for row in rows]
    links = links_of(rows)

    assert numbers == [f"BN{n}" for n in range(1, 272)]
    assert len(links) == 85
    assert {infector for infector, _ in links} <= set(numbers)  # no infector outside the list
    assert not [pair for pair in links if pair[0] == pair[1]]  # no self-reference
    assert all(int(a[2:]) < int(b[2:]) for a, b in links)  # every infector announced earlier: no cycle
    cells = [row["Nguồn lây"] for row in rows if row["Nguồn lây"]]
    assert len(cells) == 74
    assert any(re.fullmatch(r"BN\d+", c) for c in cells) and any(re.fullmatch(r"NB \d+", c) for c in cells)
    assert any(re.fullmatch(r"\d+", c) for c in cells)
    assert all(any(sep in c for c in cells) for sep in (", ", "; ", " và "))
    # Every "Tỉnh" is one of the 63 real provinces (GSO names, as the unit loader reads them).
    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as fh:
        real = {fold(p["name"]).removeprefix("tinh ").removeprefix("thanh pho ") for p in json.load(fh)}
    assert len(real) == 63
    provinces = {row["Tỉnh"] for row in rows}
    assert len(provinces) == 38
    assert {fold(p) for p in provinces} <= real


def test_the_real_2020_list_imports_with_its_chains_intact(province_officer: Any) -> None:
    headers, rows = the_list()
    in_lai_chau = [{**row, "Tỉnh": "Lai Châu"} for row in rows]  # the test's only change: see the docstring
    numbers = {row["Mã bệnh nhân"] for row in rows}
    links = links_of(rows)
    roots = numbers - {infectee for _, infectee in links}
    expected = generations(numbers, links)

    report = run(province_officer, upload(headers, in_lai_chau))

    assert report.errors == []
    assert report.duplicates == []
    assert (report.total_rows, report.created, report.skipped, report.links) == (271, 271, 0, 85)
    assert report.clusters_created == [BACH_MAI]
    assert report.way_defaulted == sum(1 for row in rows if not row["Hình thức phát hiện"]) == 104
    assert set(Case.objects.values_list("number", flat=True)) == numbers
    assert set(Case.objects.values_list("unit_path", flat=True)) == {LAI_CHAU}

    # The chains: every link of the data, between the right cases, and nothing else.
    assert stored_links() == links
    infectees = set(CaseSource.objects.values_list("infectee__number", flat=True))
    assert set(Case.objects.values_list("number", flat=True)) - infectees == roots
    assert len(roots) == 197
    assert set(Case.objects.filter(source_known=False).values_list("number", flat=True)) == roots
    found = generations(numbers, stored_links())
    assert found == expected
    assert max(expected.values()) == 5
    assert {n for n, g in expected.items() if g == 5} == {"BN227", "BN260"}
    # BN133 (Lai Châu) → BN161 → BN163 → BN209 → BN227; BN243 → BN250 → BN254 → BN259 → BN260.
    assert {("BN133", "BN161"), ("BN161", "BN163"), ("BN163", "BN209"), ("BN209", "BN227")} <= links
    assert {("BN243", "BN250"), ("BN250", "BN254"), ("BN254", "BN259"), ("BN259", "BN260")} <= links

    # The Bạch Mai hospital outbreak: its members, and the app's own generations inside it.
    cluster = Cluster.objects.get()
    members = {row["Mã bệnh nhân"] for row in rows if row["Ổ dịch"] == BACH_MAI}
    assert len(members) == 38
    assert set(Case.objects.filter(cluster=cluster).values_list("number", flat=True)) == members
    summary = cluster_summary(actor=province_officer, cluster=cluster)
    number_of = {c.pk: c.number for c in summary.cases}
    inside = {(a, b) for a, b in links if a in members and b in members}
    assert inside == {("BN133", "BN161")}
    assert {number_of[pk]: g for pk, g in summary.generations.items()} == generations(members, inside)

    # The values of a few rows, as the data gives them.
    cases = {c.number: c for c in Case.objects.all()}
    assert (cases["BN1"].age, cases["BN1"].sex, cases["BN1"].detection_way) == (66, "M", DetectionWay.IMPORTED)
    assert str(cases["BN1"].detected_at.date()) == "2020-01-23"
    assert (cases["BN15"].age, cases["BN15"].sex) == (0, "M")  # three months old
    assert (cases["BN45"].age, cases["BN179"].sex) == (None, "U")  # not given in the data
    assert cases["BN2"].detection_way == DetectionWay.COMMUNITY  # no way in the data: defaulted, counted
    active = {row["Mã bệnh nhân"] for row in rows if row["Tình trạng"] == "Đang điều trị"}
    assert set(Case.objects.filter(status=CaseStatus.ACTIVE).values_list("number", flat=True)) == active
    assert Case.objects.filter(status=CaseStatus.RECOVERED).count() == 271 - len(active)

    # A re-import is idempotent: nothing new, nothing queued, the same chains.
    again = run(province_officer, upload(headers, in_lai_chau))
    assert again.errors == []
    assert (again.created, again.skipped, again.links, again.duplicates) == (0, 271, 0, [])
    assert (again.clusters_created, again.clusters_joined) == ([], [])
    assert Case.objects.count() == 271
    assert stored_links() == links
    assert Cluster.objects.count() == 1


def test_the_list_as_it_is_names_every_province_outside_the_area_and_writes_nothing(
    province_officer: Any,
) -> None:
    headers, rows = the_list()

    report = run(province_officer, upload(headers, rows))

    outside = [(i + 2, row["Tỉnh"]) for i, row in enumerate(rows) if row["Tỉnh"] != "Lai Châu"]
    assert len(outside) == 269
    assert [(e["row"], e["field"], e["message"]) for e in report.errors] == [
        (line, "tinh", f"Không tìm thấy tỉnh “{province}”.") for line, province in outside
    ]
    assert {row["Mã bệnh nhân"] for row in rows if row["Tỉnh"] == "Lai Châu"} == {"BN133", "BN172"}
    assert report.created == 0
    assert not Case.objects.exists()
    assert not CaseSource.objects.exists()
    assert not Cluster.objects.exists()
