"""Channel adapters: email over SMTP (Django's SMTP backend), SMS through an HTTP gateway, Zalo OA through its
HTTP API, and signed webhooks. Standard library HTTP with kept-alive connections, one pool per worker batch.

A channel raises `ChannelDown` when it has no configuration (its deliveries wait, attempts are not counted)
and `ChannelError` when a send fails (the worker retries with backoff, then marks the delivery dead).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from chihuy.notify.enums import Channel

SIGNATURE_HEADER = "X-ChiHuy-Signature"
TIMESTAMP_HEADER = "X-ChiHuy-Timestamp"
ZALO_GROUP_PREFIX = "group:"


class ChannelError(Exception):
    """The send failed; worth trying again later."""


class ChannelDown(ChannelError):
    """The channel is not configured: nothing was attempted."""


@dataclass(frozen=True)
class Outgoing:
    """What a channel needs of a delivery."""

    delivery_id: int
    message_id: int
    address: str
    subject: str
    body: str
    urgent: bool


def config(channel: str) -> dict[str, Any]:
    return dict(getattr(settings, "NOTIFY_CHANNELS", {}).get(channel, {}))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex, prefixed with the scheme: `sha256=…`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return bool(secret) and hmac.compare_digest(sign(secret, timestamp, body), signature or "")


class HttpPool:
    """Kept-alive HTTP(S) connections per host for one batch; a connection the peer closed is reopened once."""

    def __init__(self) -> None:
        self._conns: dict[tuple[str, str], http.client.HTTPConnection] = {}

    def post(self, url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> tuple[int, bytes]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ChannelError(f"URL không hợp lệ: {url[:200]}")
        key = (parts.scheme, parts.netloc)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        all_headers = {"Content-Type": "application/json; charset=utf-8", "Content-Length": str(len(body)), **headers}
        for attempt in (0, 1):
            conn = self._conns.get(key)
            reused = conn is not None
            if conn is None:
                cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
                conn = cls(parts.netloc, timeout=timeout)
                self._conns[key] = conn
                try:
                    conn.connect()
                    # Small JSON posts on a kept-alive connection: no Nagle wait behind the peer's delayed ACK.
                    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                except OSError as exc:
                    self._drop(key)
                    raise ChannelError(f"{type(exc).__name__}: {exc}") from exc
            try:
                conn.request("POST", path, body=body, headers=all_headers)
                response = conn.getresponse()
                data = response.read()
                if response.will_close:
                    self._drop(key)
                return response.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self._drop(key)
                if not reused or attempt:
                    raise ChannelError(f"{type(exc).__name__}: {exc}") from exc
            except (OSError, http.client.HTTPException) as exc:
                self._drop(key)
                raise ChannelError(f"{type(exc).__name__}: {exc}") from exc
        raise ChannelError("unreachable")  # pragma: no cover

    def _drop(self, key: tuple[str, str]) -> None:
        conn = self._conns.pop(key, None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        for key in list(self._conns):
            self._drop(key)


def _post_json(pool: HttpPool, url: str, payload: dict[str, Any], headers: dict[str, str], timeout: float) -> bytes:
    status, data = pool.post(url, json.dumps(payload, ensure_ascii=False).encode(), headers, timeout=timeout)
    if not 200 <= status < 300:
        raise ChannelError(f"HTTP {status}: {data[:200].decode(errors='replace')}")
    return data


class Senders:
    """The channels for one worker batch: connections (HTTP keep-alive, one SMTP session) are shared by its
    deliveries and closed at its end."""

    def __init__(self) -> None:
        self.pool = HttpPool()
        self._smtp: Any = None

    def send(self, channel: str, out: Outgoing) -> None:
        handler = getattr(self, f"_send_{channel}", None)
        if handler is None:
            raise ChannelError(f"Kênh không hỗ trợ: {channel}")
        handler(out)

    def _send_email(self, out: Outgoing) -> None:
        if not config(Channel.EMAIL).get("enabled") or not settings.EMAIL_HOST:
            raise ChannelDown("Chưa cấu hình máy chủ thư (CHIHUY_EMAIL_HOST).")
        if self._smtp is None:
            self._smtp = get_connection("django.core.mail.backends.smtp.EmailBackend", fail_silently=False)
            try:
                self._smtp.open()  # opened here, the session stays open for the whole batch
            except Exception as exc:
                self._smtp = None
                raise ChannelError(f"{type(exc).__name__}: {exc}") from exc
        email = EmailMessage(
            subject=out.subject,
            body=out.body,
            to=[out.address],
            connection=self._smtp,
            headers={"X-ChiHuy-Message": str(out.message_id), "X-ChiHuy-Delivery": str(out.delivery_id)},
        )
        try:
            email.send()
        except Exception as exc:  # smtplib and socket errors alike: retried later
            self._close_smtp()
            raise ChannelError(f"{type(exc).__name__}: {exc}") from exc

    def _send_sms(self, out: Outgoing) -> None:
        cfg = config(Channel.SMS)
        if not cfg.get("url"):
            raise ChannelDown("Chưa cấu hình cổng SMS (CHIHUY_SMS_URL).")
        text = out.subject if not out.body else f"{out.subject}\n{out.body}"
        payload = {"to": out.address, "text": text, "reference": str(out.delivery_id), "urgent": out.urgent}
        headers = {"Authorization": f"Bearer {cfg.get('token', '')}"}
        _post_json(self.pool, cfg["url"], payload, headers, float(cfg.get("timeout", 10)))

    def _send_zalo(self, out: Outgoing) -> None:
        cfg = config(Channel.ZALO)
        if not cfg.get("url") or not cfg.get("token"):
            raise ChannelDown("Chưa cấu hình Zalo OA (CHIHUY_ZALO_TOKEN).")
        base = cfg["url"].rstrip("/")
        if out.address.startswith(ZALO_GROUP_PREFIX):
            url = f"{base}/v3.0/oa/group/message"
            recipient = {"group_id": out.address.removeprefix(ZALO_GROUP_PREFIX)}
        else:
            url = f"{base}/v3.0/oa/message/cs"
            recipient = {"user_id": out.address}
        payload = {"recipient": recipient, "message": {"text": f"{out.subject}\n{out.body}"[:2000]}}
        data = _post_json(self.pool, url, payload, {"access_token": cfg["token"]}, float(cfg.get("timeout", 10)))
        # Zalo answers HTTP 200 with {"error": <code>, "message": …}; anything but 0 is a failure.
        try:
            answer = json.loads(data or b"{}")
        except ValueError as exc:
            raise ChannelError(f"Zalo: không đọc được trả lời: {data[:200]!r}") from exc
        if answer.get("error", 0) != 0:
            raise ChannelError(f"Zalo lỗi {answer.get('error')}: {answer.get('message', '')}")

    def _send_webhook(self, out: Outgoing) -> None:
        cfg = config(Channel.WEBHOOK)
        secret = cfg.get("secret", "")
        if not secret:
            raise ChannelDown("Chưa cấu hình khóa ký webhook (CHIHUY_WEBHOOK_SECRET).")
        payload = {
            "message_id": out.message_id,
            "delivery_id": out.delivery_id,
            "subject": out.subject,
            "body": out.body,
            "urgent": out.urgent,
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body)}
        status, data = self.pool.post(out.address, body, headers, timeout=float(cfg.get("timeout", 10)))
        if not 200 <= status < 300:
            raise ChannelError(f"HTTP {status}: {data[:200].decode(errors='replace')}")

    def _close_smtp(self) -> None:
        if self._smtp is not None:
            # Closing a broken session must not hide the send's own error.
            with contextlib.suppress(Exception):
                self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        self.pool.close()
        self._close_smtp()
