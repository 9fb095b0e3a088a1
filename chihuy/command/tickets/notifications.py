"""Message templates of the tickets (Vietnamese, plain text: they go by SMS, Zalo and email alike)."""

from __future__ import annotations

from chihuy.notify.templates import register

register(
    "command.ticket_new",
    subject="{% if urgent %}[KHẨN] {% endif %}Phản ánh mới {{ number }}: {{ category }}",
    body=(
        "{{ unit }} vừa nhận phản ánh {{ number }} ({{ channel }}, mức độ {{ priority }}).\n"
        "{{ category }}{% if place %} — {{ place }}{% endif %}\n{{ text }}\n"
        "{% if caller %}Người báo: {{ caller }}\n{% endif %}Hạn xử lý: {{ due_at }}.\n{{ url }}"
    ),
)

register(
    "command.ticket_escalated",
    subject="{% if urgent %}[KHẨN] {% endif %}Phản ánh {{ number }} chuyển lên {{ to_unit }}",
    body=(
        "Phản ánh {{ number }} ({{ category }}, mức độ {{ priority }}) của {{ from_unit }} "
        "{% if automatic %}quá hạn xử lý (hạn {{ reason }}) nên tự động chuyển{% else %}được chuyển{% endif %} "
        "lên {{ to_unit }}.\n{% if reason and not automatic %}Lý do: {{ reason }}\n{% endif %}"
        "{{ text }}\nHạn xử lý mới: {{ due_at }}.\n{{ url }}"
    ),
)
