"""Result files (response.labs.results_import), CSV and XLSX: wrong rows reported by row and field while valid
rows are applied, duplicates, file-level errors, re-upload of a corrected file, and nothing half-applied when
the apply fails — through the real services, clock pinned."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import pytest

from chihuy.accounts.roles import Role
from chihuy.cases.models import Case
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.tabular import write_xlsx
from chihuy.labs import services
from chihuy.labs.enums import Result, SampleStatus
from chihuy.labs.models import Sample
from chihuy.notify.models import Message
from chihuy.response import labs as response
from tests.labs.conftest import at

pytestmark = pytest.mark.django_db

HEADER = ["ma_mau", "ket_qua", "so_mau_gop", "ct_e", "ct_n"]


def csv_bytes(rows: list[str], header: str = ",".join(HEADER), encoding: str = "utf-8") -> bytes:
    return (header + "\n" + "\n".join(rows) + "\n").encode(encoding)


@pytest.fixture
def tubes(officer: Any, residents: list[Any], ship_and_receive: Callable[..., Any]) -> dict[str, Sample]:
    """Received at the lab: A-001 single (residents 0), A-002 pool of 2 (1, 2), A-003 single (3), A-004 single (4).
    A-005 (resident 5) is taken but never shipped."""
    people = {"A-001": [0], "A-002": [1, 2], "A-003": [3], "A-004": [4], "A-005": [5]}
    for code, index in people.items():
        services.sample_take(actor=officer, code=code, person_ids=[residents[i].pk for i in index])
    ship_and_receive(["A-001", "A-002", "A-003", "A-004"])
    return {s.code: s for s in Sample.objects.all()}


def results() -> dict[str, tuple[str, str]]:
    return dict((c, (s, r)) for c, s, r in Sample.objects.order_by("code").values_list("code", "status", "result"))


def run(technician: Any, lab: Any, data: bytes, filename: str = "kq.csv") -> Any:
    return response.results_import(actor=technician, lab=lab, data=data, filename=filename)


def errors_of(report: Any) -> list[tuple[int, str]]:
    return [(e["row"], e["field"]) for e in report.errors]


def test_valid_rows_applied_while_wrong_rows_are_reported(technician, lab, tubes) -> None:
    report = run(
        technician,
        lab,
        csv_bytes(
            [
                "A-001,âm tính,1,,",  # 2: applied
                "A-002,âm tính,5,,",  # 3: the tube is a pool of 2
                "A-003,dương,,,",  # 4: not a result word
                "A-004,dương tính,,abc,",  # 5: Ct not a number
                "NOPE-9,âm tính,,,",  # 6: unknown code
                "A-005,âm tính,,,",  # 7: never shipped to the lab
                "A-004,positive,,46,",  # 8: Ct out of range (A-004 has no valid row)
            ]
        ),
    )
    assert errors_of(report) == [
        (3, "so_mau_gop"),
        (4, "ket_qua"),
        (5, "ct.E"),
        (6, "ma_mau"),
        (7, "ma_mau"),
        (8, "ct.E"),
    ]
    assert (report.rows, report.applied, report.unchanged, report.positives, report.cases) == (7, 1, 0, 0, [])
    assert results() == {
        "A-001": (SampleStatus.RESULTED, Result.NEGATIVE),
        "A-002": (SampleStatus.RECEIVED, Result.PENDING),
        "A-003": (SampleStatus.RECEIVED, Result.PENDING),
        "A-004": (SampleStatus.RECEIVED, Result.PENDING),
        "A-005": (SampleStatus.COLLECTED, Result.PENDING),
    }


def test_duplicate_rows_with_the_same_result_are_reported_and_applied_once(technician, lab, tubes) -> None:
    report = run(technician, lab, csv_bytes(["A-001,âm tính,,,", "a-001,negative,,,", "A-003,âm tính,,,"]))
    assert errors_of(report) == [(3, "ma_mau")]
    assert "dòng 2" in report.errors[0]["message"]
    assert (report.applied, report.unchanged) == (2, 0)
    assert Message.objects.filter(template="labs.result_person", source=f"labs.sample:{tubes['A-001'].pk}").count() == 1


def test_conflicting_duplicates_apply_nothing_for_that_code(technician, lab, tubes) -> None:
    report = run(
        technician,
        lab,
        csv_bytes(["A-001,âm tính,,,", "A-003,âm tính,,,", "A-001,dương tính,,25,"]),
    )
    assert errors_of(report) == [(2, "ma_mau"), (4, "ma_mau")]
    assert report.applied == 1
    assert results()["A-001"] == (SampleStatus.RECEIVED, Result.PENDING)
    assert results()["A-003"] == (SampleStatus.RESULTED, Result.NEGATIVE)
    assert Case.objects.count() == 0


def test_unknown_ct_column_is_a_file_error_naming_it(technician, lab, tubes) -> None:
    with pytest.raises(ApplicationError) as caught:
        run(technician, lab, csv_bytes(["A-001,dương tính,,20"], header="ma_mau,ket_qua,so_mau_gop,ct_x"))
    assert [d["field"] for d in caught.value.details] == ["columns.ct_x"]
    assert "ct_x" in caught.value.message
    assert results()["A-001"] == (SampleStatus.RECEIVED, Result.PENDING)


def cp1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: precomposed base letters, the tone as a combining mark."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            out.append(unicodedata.normalize("NFC", parts[:-1]).encode("cp1258") + parts[-1].encode("cp1258"))
    return b"".join(out)


@pytest.mark.parametrize(
    "tail",
    [cp1258("A-004,negative,Đơn lấy lại; kết quả\n"), "A-004,negative,répété\n".encode("latin-1")],
    ids=["cp1258", "latin-1"],
)
def test_a_file_not_in_utf8_is_a_bad_file_naming_the_encoding(technician, lab, tubes, tail) -> None:
    data = csv_bytes(["A-001,negative,,,", "A-003,negative,,,"], header="ma_mau,ket_qua,ghi_chu") + tail
    with pytest.raises(ApplicationError) as caught:
        run(technician, lab, data)
    assert caught.value.code == ErrorCode.BAD_FILE
    assert [d["field"] for d in caught.value.details] == ["file"]
    assert "UTF-8" in caught.value.message
    assert all(status == SampleStatus.RECEIVED for status, _r in list(results().values())[:4])


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"%PDF-1.4 ...", "ket_qua.pdf"),
        (b"ma_mau,ket_qua\nA-001,negative\n", "ket_qua.xlsx"),  # CSV bytes named .xlsx
        (b"", "ket_qua.csv"),
        (b"  \n", "ket_qua.csv"),
    ],
)
def test_not_a_result_file(technician, lab, tubes, data, filename) -> None:
    with pytest.raises(ApplicationError) as caught:
        run(technician, lab, data, filename)
    assert (caught.value.code, [d["field"] for d in caught.value.details]) == (ErrorCode.BAD_FILE, ["file"])


def test_header_only_file_applies_nothing(technician, lab, tubes) -> None:
    report = run(technician, lab, csv_bytes([]))
    assert (report.rows, report.applied, report.unchanged, report.errors) == (0, 0, 0, [])


def test_missing_required_column(technician, lab, tubes) -> None:
    with pytest.raises(ApplicationError) as caught:
        run(technician, lab, b"ma_mau,ct_e\nA-001,20\n")
    assert (caught.value.code, [d["field"] for d in caught.value.details]) == (ErrorCode.BAD_FILE, ["columns.ket_qua"])


def test_xlsx_file(technician, lab, tubes, residents) -> None:
    data = write_xlsx(
        title="Kết quả",
        headers=["Mã mẫu", "Kết quả", "Số mẫu gộp", "Ct E", "Ct N"],
        rows=[
            ["A-001", "Dương tính", 1, 24.5, 26],
            ["A-002", "Âm tính", 2, None, None],
            ["A-003", "Âm tính", 1, 30, None],  # a negative with a Ct
            ["A-004", "khong xac dinh", 1, None, None],
        ],
    )
    report = run(technician, lab, data, "ket_qua.xlsx")
    assert errors_of(report) == [(4, "ct")]
    assert (report.rows, report.applied, report.positives, report.follow_ups) == (4, 3, 1, 1)
    case = Case.objects.get()
    assert (case.person_id, case.result_ref, case.ct_value) == (residents[0].pk, "A-001", 24.5)
    assert report.cases == [case.number]
    sample = Sample.objects.get(code="A-001")
    assert (sample.ct_values, sample.case_number) == ({"E": 24.5, "N": 26.0}, case.number)
    assert results()["A-004"] == (SampleStatus.RESULTED, Result.INCONCLUSIVE)


def test_reupload_of_the_corrected_file_applies_only_the_corrections(technician, lab, tubes) -> None:
    first = run(technician, lab, csv_bytes(["A-001,âm tính,,,", "A-002,âm tính,5,,", "A-003,am tinh,,,"]))
    assert (first.applied, errors_of(first)) == (2, [(3, "so_mau_gop")])
    messages = Message.objects.count()
    corrected = run(technician, lab, csv_bytes(["A-001,âm tính,,,", "A-002,âm tính,2,,", "A-003,am tinh,,,"]))
    assert (corrected.applied, corrected.unchanged, corrected.errors) == (1, 2, [])
    assert results()["A-002"] == (SampleStatus.RESULTED, Result.NEGATIVE)
    # Only A-002's two people are told, once each.
    assert Message.objects.count() == messages + 1


def test_nothing_half_applied_when_the_apply_fails(technician, lab, tubes, monkeypatch) -> None:
    from chihuy.labs.services import results as results_module

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(results_module, "result_effects", boom)
    with pytest.raises(RuntimeError):
        run(technician, lab, csv_bytes(["A-001,âm tính,,,", "A-003,dương tính,,20,", "A-004,âm tính,,,"]))
    assert all(r == Result.PENDING for _s, r in results().values())
    assert Sample.objects.filter(status=SampleStatus.RESULTED).count() == 0
    assert Message.objects.count() == 0


def test_nothing_half_applied_when_a_case_fails(technician, lab, tubes, monkeypatch) -> None:
    from chihuy.cases import services as case_services

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("cases down")

    monkeypatch.setattr(case_services, "case_confirm_many", boom)
    with pytest.raises(RuntimeError):
        run(technician, lab, csv_bytes(["A-001,dương tính,,20,", "A-003,âm tính,,,"]))
    assert all(r == Result.PENDING for _s, r in results().values())
    assert (Message.objects.count(), Case.objects.count()) == (0, 0)


def test_two_positive_tubes_of_one_person_in_one_file_make_one_case(
    officer, technician, lab, residents, ship_and_receive
) -> None:
    # Given two single tubes of the same person (a morning and an afternoon swab), both received
    services.sample_take(actor=officer, code="B-001", person_ids=[residents[0].pk], collected_at=at(10, 7))
    services.sample_take(actor=officer, code="B-002", person_ids=[residents[0].pk])
    ship_and_receive(["B-001", "B-002"])
    # When one file reports both positive
    report = run(technician, lab, csv_bytes(["B-001,dương tính,,22,", "B-002,dương tính,,24,"]))
    # Then one F0, both tubes linked to it, nobody left unconfirmed
    case = Case.objects.get(person=residents[0])
    assert (report.applied, report.cases, report.not_confirmed) == (2, [case.number], [])
    assert set(Sample.objects.filter(code__in=["B-001", "B-002"]).values_list("case_number", flat=True)) == {
        case.number
    }


def test_a_queued_file_runs_as_a_job_with_its_report(
    technician, lab, tubes, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = response.results_import_start(
            actor=technician, lab=lab, data=csv_bytes(["A-001,âm tính,,,", "NOPE-1,âm tính,,,"]), filename="kq.csv"
        )
    job.refresh_from_db()
    assert (job.kind, job.status, job.done, job.total) == ("labs.results", "succeeded", 2, 2)
    assert (job.result["applied"], [(e["row"], e["field"]) for e in job.result["errors"]]) == (1, [(3, "ma_mau")])
    assert Sample.objects.get(code="A-001").result_source == f"file:job#{job.pk}"


def test_a_queued_file_that_is_not_utf8_fails_its_job_with_the_reason(
    technician, lab, tubes, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = response.results_import_start(
            actor=technician, lab=lab, data="ma_mau,ket_qua\nA-001,négatif\n".encode("latin-1"), filename="kq.csv"
        )
    job.refresh_from_db()
    assert job.status == "failed" and "UTF-8" in job.error
    assert (job.result["code"], [d["field"] for d in job.result["details"]]) == (ErrorCode.BAD_FILE, ["file"])
    assert Sample.objects.get(code="A-001").result == Result.PENDING


def test_a_technician_not_of_the_lab_cannot_upload(lab, tubes, make_user) -> None:
    stranger = make_user(Role.LAB_TECHNICIAN, "12/")
    with pytest.raises(ApplicationError) as caught:
        run(stranger, lab, csv_bytes(["A-001,âm tính,,,"]))
    assert (caught.value.code, [d["field"] for d in caught.value.details]) == (ErrorCode.NOT_FOUND, ["lab"])
    assert Sample.objects.get(code="A-001").result == Result.PENDING


def test_semicolon_csv_with_decimal_commas_and_a_bom(technician, lab, tubes) -> None:
    # What Excel writes for "CSV UTF-8" with Vietnamese regional settings.
    data = "\ufeffMã mẫu;Kết quả;Số mẫu gộp;Ct E;Ct N\nA-002;Dương tính;2;24,5;26,25\nA-003;Âm tính;1;;\n".encode()
    report = run(technician, lab, data)
    assert (report.errors, report.applied, report.follow_ups) == ([], 2, 2)
    assert Sample.objects.get(code="A-002").ct_values == {"E": 24.5, "N": 26.25}


def test_a_file_cannot_flip_a_result_but_may_settle_an_inconclusive_one(technician, lab, tubes) -> None:
    run(technician, lab, csv_bytes(["A-002,dương tính,2,30,", "A-003,không xác định,,,"]))
    report = run(technician, lab, csv_bytes(["A-002,âm tính,2,,", "A-003,âm tính,,,"]))
    assert (errors_of(report), report.applied) == ([(2, "ket_qua")], 1)
    assert "dương tính" in report.errors[0]["message"]
    assert results()["A-002"] == (SampleStatus.RESULTED, Result.POSITIVE)
    assert results()["A-003"] == (SampleStatus.RESULTED, Result.NEGATIVE)


def test_a_result_entered_while_the_file_was_checked_is_not_overwritten(technician, lab, tubes, monkeypatch) -> None:
    """A large file is checked for a while before it is applied; a positive entered by form meanwhile must not be
    silently flipped to the file's negative."""
    from chihuy.labs import imports

    real = imports.tubes_by_code

    def meanwhile(codes: Any) -> Any:
        found = real(codes)  # the file is checked against these …
        response.result_record(  # … while another technician enters A-001 by form
            actor=technician, sample=Sample.objects.get(code="A-001"), result=Result.POSITIVE, ct_values={"E": 21}
        )
        return found

    monkeypatch.setattr(imports, "tubes_by_code", meanwhile)
    report = run(technician, lab, csv_bytes(["A-001,âm tính,,,", "A-003,âm tính,,,"]))
    assert results()["A-001"] == (SampleStatus.RESULTED, Result.POSITIVE)
    assert Sample.objects.get(code="A-001").ct_values == {"E": 21.0}
    assert (errors_of(report), report.applied) == ([(2, "ket_qua")], 1)
    assert results()["A-003"] == (SampleStatus.RESULTED, Result.NEGATIVE)


def test_ct_headers_written_as_the_machine_writes_them(officer, technician, lab, residents, ship_and_receive) -> None:
    """ "CT-E", "Ct N" and "ct.RdRp" are the gene columns E, N and RdRp; "CT-X" is named as unknown."""
    from chihuy.labs.models import Sample
    from chihuy.response import labs as response

    services.sample_take(actor=officer, code="HD-001", person_ids=[residents[0].pk])
    ship_and_receive(["HD-001"])
    data = "ma_mau,ket_qua,CT-E,Ct N,ct.RdRp\nHD-001,dương tính,21.5,22,23.25\n".encode()
    report = response.results_import(actor=technician, lab=lab, data=data, filename="kq.csv")
    assert report.errors == [] and report.applied == 1
    assert Sample.objects.get(code="HD-001").ct_values == {"E": 21.5, "N": 22.0, "RdRp": 23.25}

    with pytest.raises(ApplicationError) as bad:
        response.results_import(
            actor=technician, lab=lab, data=b"ma_mau,ket_qua,CT-X\nHD-001,duong tinh,20\n", filename="kq.csv"
        )
    assert bad.value.details[0]["field"] == "columns.ct_x"


def test_a_file_of_positives_makes_each_f0_with_its_own_cascade(
    officer, technician, lab, residents, ship_and_receive
) -> None:
    """Many F0 from one file: one cascade from all of them, each level change naming the case its chain starts
    from, and one audit row per case."""
    from chihuy.cases import services as case_services
    from chihuy.cases.enums import Setting
    from chihuy.cases.models import Classification, LevelChange
    from chihuy.core.models import AuditEvent

    # Given two single tubes of two people, the second with a close contact the day before
    case_services.contact_add(
        actor=officer,
        source_person=residents[1],
        contact_person=residents[4],
        exposure_at=at(9, 18),
        setting=Setting.WORKPLACE,
        distance_m=1,
        masked=False,
    )
    services.sample_take(actor=officer, code="M-001", person_ids=[residents[0].pk])
    services.sample_take(actor=officer, code="M-002", person_ids=[residents[1].pk])
    ship_and_receive(["M-001", "M-002"])
    # When one file reports both positive
    report = run(technician, lab, csv_bytes(["M-001,dương tính,,22,", "M-002,dương tính,,25,"]))
    # Then two F0 with consecutive numbers, the contact F1 of the second, its change naming the second case
    first, second = Case.objects.get(person=residents[0]), Case.objects.get(person=residents[1])
    assert report.cases == [first.number, second.number]
    assert int(second.number[2:]) == int(first.number[2:]) + 1
    contact = Classification.objects.get(person=residents[4])
    assert (contact.level, contact.root_case_id) == (1, second.pk)
    assert LevelChange.objects.get(classification=contact).case_id == second.pk
    assert LevelChange.objects.get(classification__person=residents[0]).case_id == first.pk
    assert AuditEvent.objects.filter(object_type="cases.case", action="create").count() == 2
