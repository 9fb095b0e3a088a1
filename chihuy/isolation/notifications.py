"""Message templates of the isolation domain (Vietnamese, plain text: SMS, Zalo and email)."""

from chihuy.notify.templates import register

register(
    "isolation.capacity",
    subject="[CÔNG SUẤT] {{ facility }}: {{ percent }} % giường đã sử dụng",
    body=(
        "{{ facility }} ({{ kind }}) đã sử dụng {{ used }}/{{ total }} giường ({{ percent }} %, ngưỡng cảnh báo "
        "{{ threshold }} %), còn trống {{ free }}. {% if days %}Với tốc độ tiếp nhận hiện nay, dự kiến hết giường "
        "sau khoảng {{ days }} ngày. {% endif %}Đề nghị chuẩn bị phương án mở rộng hoặc điều chuyển."
    ),
)
register(
    "isolation.clock_restarted_person",
    subject="Tính lại thời gian cách ly",
    body=(
        "Trong phòng cách ly {{ room }} ({{ facility }}) có người có kết quả dương tính. Thời gian cách ly của "
        "bạn được tính lại từ ngày {{ start }}, dự kiến kết thúc ngày {{ release }}. Đề nghị thực hiện nghiêm "
        "việc cách ly và xét nghiệm theo lịch. — {{ facility }}"
    ),
)
register(
    "isolation.positive_in_room",
    subject="[KHẨN] Người cách ly dương tính tại {{ facility }}, phòng {{ room }}",
    body=(
        "{{ person }} (phòng {{ room }}, {{ facility }}) có kết quả dương tính{% if case %}, mã ca {{ case }}"
        "{% endif %}: đã chuyển điều trị F0. {{ count }} người cùng phòng được tính lại thời gian cách ly từ "
        "ngày {{ start }}."
    ),
)
