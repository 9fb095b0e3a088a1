"""Message templates of the reports domain (Vietnamese, plain text: SMS, Zalo and email)."""

from chihuy.notify.templates import register

register(
    "reports.missing",
    subject="[BÁO CÁO] {{ unit }} chưa gửi báo cáo ngày {{ day }}",
    body=(
        "{{ unit }} chưa gửi báo cáo tình hình dịch ngày {{ day }} (hạn {{ deadline }}). Đề nghị hoàn thành và gửi "
        "ngay trên hệ thống ChiHuy: {{ url }}"
    ),
)
register(
    "reports.returned",
    subject="Báo cáo ngày {{ day }} của {{ unit }} bị trả lại",
    body="{{ reviewer }} trả lại báo cáo ngày {{ day }} của {{ unit }}: {{ note }}. Đề nghị sửa và gửi lại: {{ url }}",
)
