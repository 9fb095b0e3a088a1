"""Thông báo và tin nhắn: the inbox of broadcasts addressed to my unit (acknowledge), the sender's live tally,
the operators' outbox (status counts, dead letters with retry), and my notification preferences."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chihuy.accounts.access import in_jurisdiction
from chihuy.accounts.roles import Perm
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.notify import selectors, services
from chihuy.notify.enums import Channel, DeliveryStatus
from chihuy.web.views._common import screen


def _page(fetch: Any, request: HttpRequest, **kwargs: Any) -> Any:
    try:
        return fetch(cursor=request.GET.get("cursor"), **kwargs)
    except ApplicationError as exc:  # a tampered cursor: the first page
        if exc.code != ErrorCode.VALIDATION:
            raise
        return fetch(**kwargs)


@screen(Perm.CENTRE_VIEW)
def inbox(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("sent") != "1"
    page = _page(selectors.broadcast_list, request, actor=request.user, addressed_to_me=mine)
    receipts = {
        b.pk: selectors.my_receipt(actor=request.user, broadcast=b) for b in page.items
    }  # ≤ one page of small lookups
    return render(request, "web/notify/inbox.html", {"page": page, "mine": mine, "receipts": receipts})


@screen(Perm.CENTRE_VIEW)
def broadcast_detail(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    broadcast = selectors.broadcast_get(actor=request.user, broadcast_id=broadcast_id)
    is_sender_side = in_jurisdiction(request.user, broadcast.unit_path)
    return render(
        request,
        "web/notify/broadcast.html",
        {
            "broadcast": broadcast,
            "receipt": selectors.my_receipt(actor=request.user, broadcast=broadcast),
            "tally": selectors.broadcast_tally(broadcast) if is_sender_side else None,
        },
    )


@screen(Perm.CENTRE_VIEW)
def broadcast_tally(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    """The tally fragment htmx polls every few seconds on the sender's screen."""
    broadcast = selectors.broadcast_get(actor=request.user, broadcast_id=broadcast_id)
    tally = selectors.broadcast_tally_for(actor=request.user, broadcast=broadcast)
    return render(request, "web/notify/_tally.html", {"broadcast": broadcast, "tally": tally})


@require_POST
@screen(Perm.CENTRE_VIEW)
def broadcast_acknowledge(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    broadcast = selectors.broadcast_get(actor=request.user, broadcast_id=broadcast_id)
    receipt = selectors.my_receipt(actor=request.user, broadcast=broadcast)
    if receipt is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Thông báo này không gửi tới đơn vị của bạn."))
    services.broadcast_acknowledge(broadcast=broadcast, unit=receipt.unit, user=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Đã xác nhận nhận thông báo."))
    return redirect("web:notify_broadcast", broadcast_id=broadcast.pk)


@screen(Perm.OUTBOX_MANAGE)
def outbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", DeliveryStatus.DEAD)
    status = status if status in DeliveryStatus.values else ""
    page = _page(selectors.delivery_list, request, actor=request.user, status=status)
    counts = selectors.delivery_counts(actor=request.user)
    statuses = [(value, label, counts.get(value, 0)) for value, label in DeliveryStatus.choices]
    return render(request, "web/notify/outbox.html", {"page": page, "status": status, "statuses": statuses})


@require_POST
@screen(Perm.OUTBOX_MANAGE)
def delivery_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = selectors.delivery_get(actor=request.user, delivery_id=delivery_id)
    try:
        services.delivery_retry(actor=request.user, delivery=delivery)  # type: ignore[arg-type]
    except ApplicationError as exc:
        if exc.code != ErrorCode.INVALID_TRANSITION:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã đưa tin #%(id)s vào hàng đợi gửi lại.") % {"id": delivery.pk})
    return redirect(reverse("web:notify_outbox") + "?status=dead")


class PreferenceForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Nhận tin qua"),
        required=False,
        choices=[(c.value, c.label) for c in Channel if c != Channel.WEBHOOK],
        widget=forms.CheckboxSelectMultiple,
    )
    zalo_id = forms.CharField(label=gettext_lazy("Mã người dùng Zalo"), required=False, max_length=64)
    quiet_start = forms.TimeField(
        label=gettext_lazy("Giờ yên lặng từ"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}),
    )
    quiet_end = forms.TimeField(
        label=gettext_lazy("đến"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}),
    )


@screen()
def preferences(request: HttpRequest) -> HttpResponse:
    pref = selectors.preference_of(request.user)
    initial = (
        {
            "channels": pref.channels,
            "zalo_id": pref.zalo_id,
            "quiet_start": pref.quiet_start,
            "quiet_end": pref.quiet_end,
        }
        if pref
        else {"channels": [c for c, _a in services.user_channels(request.user, None)]}  # type: ignore[arg-type]
    )
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_update(user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ApplicationError as exc:
            for detail in exc.details if isinstance(exc.details, list) else []:
                form.add_error(detail.get("field") if detail.get("field") in form.fields else None, detail["message"])
        else:
            messages.success(request, _("Đã lưu cách nhận tin."))
            return redirect("web:notify_preferences")
    effective = services.user_channels(request.user, pref)  # type: ignore[arg-type]
    return render(request, "web/notify/preferences.html", {"form": form, "effective": effective})
