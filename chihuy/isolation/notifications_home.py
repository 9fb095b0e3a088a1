"""Message templates of home isolation (Vietnamese, plain text: SMS, Zalo and email); imported by
chihuy.isolation.services.homes so they are registered whenever the service is."""

from chihuy.notify.templates import register

register(
    "isolation.home_danger",
    subject="[KHẨN] Dấu hiệu nguy hiểm — {{ person }}, hộ cách ly {{ code }}",
    body=(
        "{{ person }} ({{ address }}, hộ cách ly tại nhà {{ code }}) khai báo lúc {{ at }}: {{ reasons }}. "
        "Đề xuất chuyển ngay đến cơ sở điều trị. Liên hệ: {{ phone }}.{% if team %} Tổ COVID: {{ team }}.{% endif %}"
    ),
)
register(
    "isolation.home_missed",
    subject="Quá {{ hours }} giờ chưa khai báo y tế — hộ cách ly {{ code }}",
    body=(
        "Hộ cách ly tại nhà {{ code }} ({{ address }}): {{ people }} chưa khai báo sức khỏe quá {{ hours }} giờ. "
        "Đề nghị gọi điện hoặc đến nhà kiểm tra ngay.{% if team %} Tổ COVID: {{ team }}.{% endif %}"
    ),
)
