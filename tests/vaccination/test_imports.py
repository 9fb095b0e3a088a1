"""Bulk import of doses: every row checked first (errors by row and column, nothing written); people matched by
national ID, then folded name + birth + commune; ambiguous, unmatched and contradicting rows queued for review;
importing the same file again adds nothing; the queue resolved (pick a person) or rejected (with a reason)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook

from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.models import Job, JobStatus
from chihuy.vaccination.enums import DoseSource
from chihuy.vaccination.imports import VACCINATION_IMPORT, dose_import, dose_import_enqueue
from chihuy.vaccination.models import Dose, DoseReview, ReviewReason, ReviewStatus
from chihuy.vaccination.services import dose_record, review_reject, review_resolve
from tests.conftest import BAN_GIANG, BINH_LU
from tests.vaccination.conftest import D

pytestmark = pytest.mark.django_db

HEADER = "CCCD/CMND,Họ và tên,Ngày sinh,Số điện thoại,Mũi tiêm (số),Loại vắc xin,Số lô,Ngày tiêm,Nơi tiêm"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows]).encode()


@pytest.fixture
def people(make_person: Any) -> dict[str, Any]:
    return {
        "pao": make_person(full_name="Giàng A Páo", birth_date=D(1958, 1, 1), sex="M", national_id="012058000001"),
        "mai": make_person(full_name="Lò Thị Mai", birth_date=D(1975, 11, 20), sex="F"),
        "an1": make_person(full_name="Nguyễn Văn An", birth_date=D(1980, 3, 12)),
        "an2": make_person(full_name="Nguyễn Văn An", birth_year=1980),
        "binh_lu_mai": make_person(full_name="Lò Thị Mai", birth_date=D(1975, 11, 20), unit_path=BINH_LU),
    }


FILE = csv(
    "012058000001,Giàng A Páo,01/01/1958,0912345678,1,AstraZeneca,NJ0123,02/08/2021,Trạm Y tế xã Bản Giang",
    "012058000001,Giàng A Páo,01/01/1958,0912345678,2,Vero Cell,SN01,01/09/2021,Trạm Y tế xã Bản Giang",
    ",LÒ THỊ MAI,20/11/1975,,1,Pfizer,FF01,2021-10-01,Trạm Y tế xã Bản Giang",
    ",Nguyễn Văn An,1980,,1,Moderna,MD1,05/10/2021,Trạm Y tế xã Bản Giang",
    ",Không Có Ai,1990,,1,Moderna,MD1,05/10/2021,Trạm Y tế xã Bản Giang",
)


def test_match_by_id_then_name_birth_commune_and_queue_the_rest(vaccinator: Any, people: dict[str, Any]) -> None:
    report = dose_import(actor=vaccinator, within=BAN_GIANG, data=FILE, filename="tiem.csv")
    assert report.errors == []
    assert (report.created, report.matched_by_id, report.matched_by_name) == (3, 2, 1)
    pao = list(
        Dose.objects.filter(person=people["pao"])
        .order_by("dose_number")
        .values_list("dose_number", "vaccine__code", "lot", "completes_primary")
    )
    assert pao == [(1, "AZ", "NJ0123", False), (2, "SINOPHARM", "SN01", True)]
    mai = Dose.objects.get(person=people["mai"])
    assert (mai.vaccine.code, mai.given_on, mai.source, mai.source_ref) == (
        "PFIZER",
        D(2021, 10, 1),
        DoseSource.IMPORT,
        "import#0 row 4",
    )
    assert not Dose.objects.filter(person=people["binh_lu_mai"]).exists()  # another commune: never matched
    queued = {r.row_number: r for r in DoseReview.objects.all()}
    assert sorted(queued) == [5, 6]
    assert queued[5].reason == ReviewReason.AMBIGUOUS
    assert sorted(queued[5].candidates) == sorted([people["an1"].pk, people["an2"].pk])
    assert queued[5].raw["ho_ten"] == "Nguyễn Văn An" and queued[5].unit_path == BAN_GIANG
    assert (queued[6].reason, queued[6].candidates, queued[6].status) == (
        ReviewReason.UNMATCHED,
        [],
        ReviewStatus.PENDING,
    )
    assert [q["row"] for q in report.queued] == [5, 6]


def test_reimport_adds_nothing(vaccinator: Any, people: dict[str, Any]) -> None:
    dose_import(actor=vaccinator, within=BAN_GIANG, data=FILE, filename="tiem.csv")
    again = dose_import(actor=vaccinator, within=BAN_GIANG, data=FILE, filename="tiem (1).csv")
    assert (again.created, len(again.duplicates), again.already_queued, again.queued) == (0, 3, 2, [])
    assert sorted(d["row"] for d in again.duplicates) == [2, 3, 4]
    assert Dose.objects.count() == 3 and DoseReview.objects.count() == 2


def test_same_dose_number_on_another_day_is_queued_as_conflict(
    vaccinator: Any, people: dict[str, Any], vaccines: Any
) -> None:
    dose_record(actor=vaccinator, person=people["mai"], dose_number=1, vaccine=vaccines["AZ"], given_on=D(2021, 9, 1))
    report = dose_import(
        actor=vaccinator,
        within=BAN_GIANG,
        data=csv(",Lò Thị Mai,20/11/1975,,1,Pfizer,FF01,01/10/2021,"),
        filename="a.csv",
    )
    assert (report.created, [q["reason"] for q in report.queued]) == (0, [ReviewReason.CONFLICT])
    review = DoseReview.objects.get()
    assert review.candidates == [people["mai"].pk]
    assert Dose.objects.filter(person=people["mai"]).count() == 1


def test_other_id_with_same_name_and_birth_is_queued(vaccinator: Any, people: dict[str, Any]) -> None:
    report = dose_import(
        actor=vaccinator,
        within=BAN_GIANG,
        data=csv("012058999999,Giàng A Páo,01/01/1958,,1,AZ,,02/08/2021,"),
        filename="a.csv",
    )
    assert [(q["reason"], q["candidates"]) for q in report.queued] == [(ReviewReason.ID_MISMATCH, [people["pao"].pk])]
    assert not Dose.objects.exists()


def test_row_errors_name_row_and_column_and_write_nothing(vaccinator: Any, people: dict[str, Any]) -> None:
    data = csv(
        "012058000001,Giàng A Páo,01/01/1958,,1,AstraZeneca,,02/08/2021,",
        ",Lò Thị Mai,20/11/1975,,1,Nanocovax,,01/10/2021,",
        ",Lò Thị Mai,20/11/1975,,1,Pfizer,,01/12/2021,",
        ",Lò Thị Mai,20/11/1975,,1,Covaxin,,01/10/2021,",
        ",Lò Thị Mai,20/11/1975,,mũi hai,Pfizer,,01/10/2021,",
        "12345,Lò Thị Mai,31/02/1975,,1,Pfizer,,01/10/2021,",
    )
    report = dose_import(actor=vaccinator, within=BAN_GIANG, data=data, filename="a.csv")
    assert [(e["row"], e["field"]) for e in report.errors] == [
        (3, "loai_vac_xin"),
        (4, "ngay_tiem"),
        (5, "ngay_tiem"),
        (6, "mui_tiem"),
        (7, "cccd"),
        (7, "ngay_sinh"),
    ]
    assert "Nanocovax" in report.errors[0]["message"]
    assert not Dose.objects.exists() and not DoseReview.objects.exists()


def test_schedule_rule_broken_by_a_matched_row_rolls_back_everything(vaccinator: Any, people: dict[str, Any]) -> None:
    data = csv(
        ",Lò Thị Mai,20/11/1975,,1,Pfizer,,01/10/2021,",
        "012058000001,Giàng A Páo,01/01/1958,,2,AstraZeneca,,02/09/2021,",
        ",Không Có Ai,1990,,1,Moderna,,05/10/2021,",
    )
    report = dose_import(actor=vaccinator, within=BAN_GIANG, data=data, filename="a.csv")
    assert [(e["row"], e["field"]) for e in report.errors] == [(3, "mui_tiem")]
    assert "mũi 2 trước mũi 1" in report.errors[0]["message"]
    assert report.created == 0
    assert not Dose.objects.exists() and not DoseReview.objects.exists()


def test_english_headers_and_excel(vaccinator: Any, people: dict[str, Any]) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(
        [
            "national_id",
            "full_name",
            "date_of_birth",
            "phone",
            "dose_number",
            "vaccine",
            "lot",
            "vaccination_date",
            "site",
        ]
    )
    sheet.append(["012058000001", "Giang A Pao", "1958-01-01", "", 1, "Comirnaty", "X1", "2021-10-01", ""])
    out = io.BytesIO()
    workbook.save(out)
    report = dose_import(actor=vaccinator, within=BAN_GIANG, data=out.getvalue(), filename="tiem.xlsx")
    assert (report.errors, report.created) == ([], 1)
    assert Dose.objects.get().vaccine.code == "PFIZER"


def test_missing_columns_is_a_file_error(vaccinator: Any) -> None:
    with pytest.raises(ApplicationError) as info:
        dose_import(actor=vaccinator, within=BAN_GIANG, data=b"Ho va ten,Ngay tiem\nA,01/10/2021", filename="a.csv")
    assert info.value.code == ErrorCode.BAD_FILE and "mui_tiem" in info.value.message


def test_resolve_records_the_dose_for_the_picked_person(vaccinator: Any, people: dict[str, Any]) -> None:
    dose_import(actor=vaccinator, within=BAN_GIANG, data=FILE, filename="tiem.csv")
    review = DoseReview.objects.get(row_number=5)
    review_resolve(actor=vaccinator, review=review, person=people["an2"])
    review.refresh_from_db()
    dose = Dose.objects.get(person=people["an2"])
    assert (review.status, review.person, review.dose, review.decided_by) == (
        ReviewStatus.RESOLVED,
        people["an2"],
        dose,
        vaccinator,
    )
    assert (dose.vaccine.code, dose.given_on, dose.source) == ("MODERNA", D(2021, 10, 5), DoseSource.IMPORT)
    with pytest.raises(ApplicationError) as info:
        review_resolve(actor=vaccinator, review=review, person=people["an1"])
    assert info.value.code == ErrorCode.INVALID_TRANSITION
    # The file again: the resolved row is recognised, not queued a second time.
    again = dose_import(actor=vaccinator, within=BAN_GIANG, data=FILE, filename="tiem.csv")
    assert (again.created, again.queued) == (0, [])


def test_resolve_to_a_person_outside_the_area_is_not_found(vaccinator: Any, people: dict[str, Any]) -> None:
    dose_import(actor=vaccinator, within=BAN_GIANG, data=FILE, filename="tiem.csv")
    review = DoseReview.objects.get(row_number=6)
    with pytest.raises(ApplicationError) as info:
        review_resolve(actor=vaccinator, review=review, person=people["binh_lu_mai"])
    assert info.value.code == ErrorCode.NOT_FOUND
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING and not Dose.objects.filter(person=people["binh_lu_mai"]).exists()


def test_reject_needs_a_reason(vaccinator: Any, people: dict[str, Any]) -> None:
    dose_import(actor=vaccinator, within=BAN_GIANG, data=FILE, filename="tiem.csv")
    review = DoseReview.objects.get(row_number=6)
    with pytest.raises(ApplicationError) as info:
        review_reject(actor=vaccinator, review=review, reason="")
    assert info.value.details[0]["field"] == "reason"  # type: ignore[index]
    review_reject(actor=vaccinator, review=review, reason="Người ngoài tỉnh")
    review.refresh_from_db()
    assert (review.status, review.reject_reason) == (ReviewStatus.REJECTED, "Người ngoài tỉnh")


def test_background_job_reports_progress_and_result(
    vaccinator: Any, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = dose_import_enqueue(actor=vaccinator, within=BAN_GIANG, data=FILE, filename="tiem.csv")
    job = Job.objects.get(pk=job.pk)
    assert (job.kind, job.status, job.done, job.total) == (VACCINATION_IMPORT, JobStatus.SUCCEEDED, 5, 5)
    assert job.result is not None and job.result["created"] == 3 and len(job.result["queued"]) == 2
    assert set(Dose.objects.values_list("source_ref", flat=True)) == {f"import#{job.pk} row {n}" for n in (2, 3, 4)}
    assert DoseReview.objects.filter(job=job).count() == 2
