"""Message templates of centres, roster and directives (the tickets register theirs in command/tickets/)."""

from chihuy.notify.templates import register

register(
    "command.roster_gap",
    subject="[Lịch trực] {{ centre }}: chưa có người trực {{ starts }} – {{ ends }}",
    body=(
        "{{ centre }} chưa có người trực từ {{ starts }} đến {{ ends }}. "
        "Đề nghị đồng chí chỉ huy phân công ứng trực 24/24 giờ.\n{{ url }}"
    ),
)
register(
    "command.directive_issued",
    subject="[Chỉ đạo] {{ number }} {{ title }}",
    body=(
        "{{ issuer }} ban hành {{ number }} ngày {{ issued_on }}: {{ title }}.\n"
        "Nhiệm vụ của {{ unit }}:\n{% for t in tasks %}- {{ t.description }} (hạn {{ t.deadline }})\n{% endfor %}"
        "{{ url }}"
    ),
)
register(
    "command.task_overdue",
    subject="[Quá hạn] Nhiệm vụ của {{ unit }} theo {{ number }}",
    body=(
        "Nhiệm vụ “{{ description }}” giao cho {{ unit }} theo {{ number }} ({{ issuer }}) "
        "quá hạn {{ deadline }}, tiến độ {{ progress }}%.\n{{ url }}"
    ),
)
