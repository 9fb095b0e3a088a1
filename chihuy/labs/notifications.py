"""Message templates of the labs domain (Vietnamese, plain text: SMS, Zalo and email)."""

from chihuy.notify.templates import register

register(
    "labs.result_person",
    subject="Kết quả xét nghiệm {{ code }}: {{ result }}",
    body=(
        "Kết quả xét nghiệm {{ method }} mẫu {{ code }} lấy ngày {{ collected }}: {{ result }}."
        "{% if advice %} {{ advice }}{% endif %}\n— {{ unit }}"
    ),
)
register(
    "labs.positive_commune",
    subject="[KHẨN] Mẫu {{ code }} dương tính ({{ kind }}) — {{ unit }}",
    body=(
        "Mẫu {{ code }} ({{ kind }}, {{ method }}, lấy ngày {{ collected }}{% if campaign %}, đợt {{ campaign }}"
        "{% endif %}) DƯƠNG TÍNH{% if ct %}, Ct thấp nhất {{ ct }}{% endif %}. {{ action }}"
    ),
)
register(
    "labs.overdue",
    subject="Quá {{ hours }} giờ chưa có kết quả: {{ count }} mẫu — {{ place }}",
    body=(
        "{{ count }} mẫu lấy tại {{ place }} đã quá {{ hours }} giờ chưa có kết quả "
        "(sớm nhất: {{ first_code }}, lấy lúc {{ first_at }}). Đề nghị kiểm tra và trả kết quả ngay."
    ),
)
