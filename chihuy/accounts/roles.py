"""Roles and what each may do. The matrix is data: tests walk it for every endpoint."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMANDER = "commander", _("Chỉ huy")
    DUTY_OFFICER = "duty_officer", _("Trực ban")
    HEALTH_OFFICER = "health_officer", _("Cán bộ y tế")
    TRACER = "tracer", _("Truy vết")
    LAB_TECHNICIAN = "lab_technician", _("Kỹ thuật viên xét nghiệm")
    FACILITY_MANAGER = "facility_manager", _("Quản lý khu cách ly/điều trị")
    CHECKPOINT_OFFICER = "checkpoint_officer", _("Cán bộ chốt kiểm soát")
    VACCINATOR = "vaccinator", _("Cán bộ tiêm chủng")
    ANALYST = "analyst", _("Phân tích (chỉ xem)")
    SYSADMIN = "sysadmin", _("Quản trị hệ thống")


class Perm(models.TextChoices):
    PERSON_VIEW = "person.view", _("Xem người")
    PERSON_CHANGE = "person.change", _("Tạo, sửa người")
    PERSON_MERGE = "person.merge", _("Gộp hồ sơ trùng")
    PERSON_IMPORT = "person.import", _("Nhập danh sách người")
    SITE_CHANGE = "site.change", _("Quản lý cơ sở, địa điểm")
    POPULATION_IMPORT = "population.import", _("Nhập dân số")
    AUDIT_VIEW = "audit.view", _("Xem nhật ký")
    USER_MANAGE = "user.manage", _("Quản lý tài khoản")
    CASE_VIEW = "case.view", _("Xem ca bệnh, tiếp xúc, ổ dịch")
    CASE_REPORT = "case.report", _("Báo cáo ca F0, đổi trạng thái ca")
    CASE_IMPORT = "case.import", _("Nhập danh sách ca bệnh")
    CONTACT_CHANGE = "contact.change", _("Thêm, hủy tiếp xúc")
    TRACE_WORK = "trace.work", _("Ghi kết quả truy vết, mốc dịch tễ")
    CLUSTER_CHANGE = "cluster.change", _("Quản lý ổ dịch")
    NOTICE_DRAFT = "notice.draft", _("Soạn thông báo địa điểm liên quan")
    NOTICE_APPROVE = "notice.approve", _("Duyệt thông báo địa điểm liên quan")
    CENTRE_VIEW = "centre.view", _("Xem trung tâm chỉ huy, lịch trực, phiếu, chỉ đạo")
    CENTRE_MANAGE = "centre.manage", _("Quản lý thành viên trung tâm chỉ huy")
    ROSTER_MANAGE = "roster.manage", _("Lập lịch trực, đổi ca")
    TICKET_INTAKE = "ticket.intake", _("Tiếp nhận cuộc gọi, phản ánh")
    TICKET_WORK = "ticket.work", _("Xử lý, chuyển, đóng phiếu")
    DIRECTIVE_ISSUE = "directive.issue", _("Ban hành chỉ đạo, giao nhiệm vụ")
    TASK_REPORT = "task.report", _("Báo cáo tiến độ nhiệm vụ")
    BROADCAST_SEND = "broadcast.send", _("Gửi thông báo tới các trung tâm cấp dưới")
    OUTBOX_MANAGE = "outbox.manage", _("Theo dõi, gửi lại tin nhắn lỗi")
    SAMPLE_VIEW = "sample.view", _("Xem đợt lấy mẫu, mẫu, kết quả xét nghiệm")
    CAMPAIGN_MANAGE = "campaign.manage", _("Lập, sửa đợt lấy mẫu")
    SAMPLE_TAKE = "sample.take", _("Lấy mẫu, test nhanh, gửi mẫu")
    LAB_WORK = "lab.work", _("Nhận mẫu, nhập và tải kết quả xét nghiệm")
    LAB_MANAGE = "lab.manage", _("Quản lý phòng xét nghiệm (công suất, kỹ thuật viên)")
    ISOLATION_VIEW = "isolation.view", _("Xem khu cách ly, cơ sở điều trị, người cách ly, công suất giường")
    FACILITY_MANAGE = "facility.manage", _("Khai báo khu cách ly, cơ sở điều trị, khu, phòng, giường")
    STAY_WORK = "stay.work", _("Tiếp nhận, xếp giường, chuyển giường, kết thúc cách ly")
    HOME_ISOLATION = "home.isolation", _("Quản lý hộ cách ly tại nhà, ghi nhận khai báo sức khỏe")
    TREATMENT_RECORD = "treatment.record", _("Ghi diễn biến điều trị, chuyển tầng, ra viện")
    VENUE_VIEW = "venue.view", _("Xem địa điểm quét mã QR")
    VENUE_MANAGE = "venue.manage", _("Đăng ký, duyệt, ngừng địa điểm quét mã; in mã QR")
    CHECKIN_VIEW = "checkin.view", _("Xem lịch sử quét mã của một người (có ghi nhật ký)")
    CHECKIN_INGEST = "checkin.ingest", _("Gửi dữ liệu quét mã theo lô (tích hợp hệ thống khác)")
    EXPOSURE_WORK = "exposure.work", _("Tìm người tiếp xúc qua quét mã; xác nhận hoặc loại F1 dự kiến")
    VACCINATION_VIEW = "vaccination.view", _("Xem mũi tiêm, độ bao phủ, danh sách ưu tiên tiêm")
    DOSE_RECORD = "dose.record", _("Ghi mũi tiêm tại điểm tiêm, hủy mũi ghi nhầm")
    DOSE_IMPORT = "dose.import", _("Nhập mũi tiêm từ tệp, xử lý hàng đợi đối chiếu")
    VACCINATION_PLAN = "vaccination.plan", _("Đặt chỉ tiêu chiến dịch tiêm")
    REPORT_VIEW = "report.view", _("Xem bảng điều hành, báo cáo, cấp độ dịch")
    REPORT_SUBMIT = "report.submit", _("Lập và gửi báo cáo ngày của đơn vị")
    REPORT_APPROVE = "report.approve", _("Duyệt, trả lại báo cáo của đơn vị cấp dưới; tổng hợp")
    LEVEL_ASSESS = "level.assess", _("Đánh giá cấp độ dịch theo yêu cầu")
    LEVEL_DECIDE = "level.decide", _("Xác nhận hoặc điều chỉnh cấp độ dịch (có lý do)")


_ALL_VIEW = {Perm.PERSON_VIEW}
_PERSON_WRITERS = {Perm.PERSON_VIEW, Perm.PERSON_CHANGE}
# The 5S chain: health officers report and trace; tracers trace; commanders approve what is published.
_CASE_WORK = {Perm.CASE_VIEW, Perm.CASE_REPORT, Perm.CASE_IMPORT, Perm.CONTACT_CHANGE, Perm.TRACE_WORK}
_CASE_WORK |= {Perm.CLUSTER_CHANGE, Perm.NOTICE_DRAFT}
# Testing: the commune's health staff plan campaigns and take samples; labs receive and report results.
_SAMPLING = {Perm.SAMPLE_VIEW, Perm.CAMPAIGN_MANAGE, Perm.SAMPLE_TAKE}
# Isolation: health officers run all of it; facility managers their facilities; others follow the figures.
_ISOLATION = {Perm.ISOLATION_VIEW, Perm.FACILITY_MANAGE, Perm.STAY_WORK, Perm.HOME_ISOLATION, Perm.TREATMENT_RECORD}
_FACILITY_WORK = {Perm.ISOLATION_VIEW, Perm.FACILITY_MANAGE, Perm.STAY_WORK, Perm.TREATMENT_RECORD}
# Venue check-ins: health officers run venues and the exposure engine; tracers work its candidates.
_VENUES = {Perm.VENUE_VIEW, Perm.VENUE_MANAGE, Perm.CHECKIN_VIEW, Perm.CHECKIN_INGEST, Perm.EXPOSURE_WORK}
_EXPOSURE_WORK = {Perm.VENUE_VIEW, Perm.CHECKIN_VIEW, Perm.EXPOSURE_WORK}
# The command centre: everyone on it sees its board and takes calls; duty officers work tickets and report on tasks;
# commanders also run the roster, issue directives and broadcast down the tree.
# Vaccination: vaccinators and health officers record and import doses; everyone commanding follows coverage.
_VACCINATING = {Perm.VACCINATION_VIEW, Perm.DOSE_RECORD, Perm.DOSE_IMPORT}
# Reports: the duty desk fills and submits the unit's daily report; the level above reviews; commanders decide the
# epidemic level (declared by the People's Committee chair), health officers may re-run the assessment.
_REPORTING = {Perm.REPORT_VIEW, Perm.REPORT_SUBMIT}
_CENTRE_STAFF = {Perm.CENTRE_VIEW, Perm.TICKET_INTAKE, Perm.TASK_REPORT}
_CENTRE_DUTY = {*_CENTRE_STAFF, Perm.TICKET_WORK}
_CENTRE_LEAD = {*_CENTRE_DUTY, Perm.CENTRE_MANAGE, Perm.ROSTER_MANAGE, Perm.DIRECTIVE_ISSUE, Perm.BROADCAST_SEND}

ROLE_PERMS: dict[str, set[str]] = {
    Role.COMMANDER: {
        *_PERSON_WRITERS,
        Perm.PERSON_MERGE,
        Perm.SITE_CHANGE,
        Perm.AUDIT_VIEW,
        Perm.CASE_VIEW,
        Perm.CLUSTER_CHANGE,
        Perm.NOTICE_APPROVE,
        *_CENTRE_LEAD,
        Perm.SAMPLE_VIEW,
        Perm.ISOLATION_VIEW,
        Perm.VENUE_VIEW,
        Perm.VENUE_MANAGE,
        Perm.VACCINATION_VIEW,
        Perm.VACCINATION_PLAN,
        *_REPORTING,
        Perm.REPORT_APPROVE,
        Perm.LEVEL_ASSESS,
        Perm.LEVEL_DECIDE,
    },
    Role.DUTY_OFFICER: {
        *_PERSON_WRITERS,
        Perm.CASE_VIEW,
        *_CENTRE_DUTY,
        Perm.ISOLATION_VIEW,
        Perm.VENUE_VIEW,
        Perm.VACCINATION_VIEW,
        *_REPORTING,
    },
    Role.HEALTH_OFFICER: {
        *_PERSON_WRITERS,
        Perm.PERSON_MERGE,
        Perm.PERSON_IMPORT,
        Perm.SITE_CHANGE,
        *_CASE_WORK,
        *_CENTRE_STAFF,
        *_SAMPLING,
        *_ISOLATION,
        *_VENUES,
        *_VACCINATING,
        Perm.VACCINATION_PLAN,
        *_REPORTING,
        Perm.REPORT_APPROVE,
        Perm.LEVEL_ASSESS,
    },
    Role.TRACER: {
        *_PERSON_WRITERS,
        Perm.CASE_VIEW,
        Perm.CONTACT_CHANGE,
        Perm.TRACE_WORK,
        Perm.CENTRE_VIEW,
        Perm.ISOLATION_VIEW,
        *_EXPOSURE_WORK,
        Perm.REPORT_VIEW,
    },
    # A lab sees the tubes sent to it (and their people, through them), not the registry.
    Role.LAB_TECHNICIAN: {Perm.SAMPLE_VIEW, Perm.LAB_WORK},
    Role.FACILITY_MANAGER: {*_PERSON_WRITERS, Perm.CASE_VIEW, *_CENTRE_STAFF, *_FACILITY_WORK, Perm.REPORT_VIEW},
    Role.CHECKPOINT_OFFICER: {*_PERSON_WRITERS, *_CENTRE_STAFF, Perm.REPORT_VIEW},
    Role.VACCINATOR: {*_PERSON_WRITERS, *_VACCINATING},
    Role.ANALYST: {
        *_ALL_VIEW,
        Perm.CASE_VIEW,
        Perm.CENTRE_VIEW,
        Perm.SAMPLE_VIEW,
        Perm.ISOLATION_VIEW,
        Perm.VENUE_VIEW,
        Perm.VACCINATION_VIEW,
        Perm.REPORT_VIEW,
    },
    Role.SYSADMIN: {
        *_PERSON_WRITERS,
        Perm.PERSON_MERGE,
        Perm.PERSON_IMPORT,
        Perm.SITE_CHANGE,
        Perm.POPULATION_IMPORT,
        Perm.AUDIT_VIEW,
        Perm.USER_MANAGE,
        *_CASE_WORK,
        Perm.NOTICE_APPROVE,
        *_CENTRE_LEAD,
        Perm.OUTBOX_MANAGE,
        *_SAMPLING,
        Perm.LAB_WORK,
        Perm.LAB_MANAGE,
        *_ISOLATION,
        *_VENUES,
        *_VACCINATING,
        Perm.VACCINATION_PLAN,
        *_REPORTING,
        Perm.REPORT_APPROVE,
        Perm.LEVEL_ASSESS,
        Perm.LEVEL_DECIDE,
    },
}


def perms_of(roles: list[str]) -> set[str]:
    result: set[str] = set()
    for role in roles:
        result |= ROLE_PERMS.get(role, set())
    return result
