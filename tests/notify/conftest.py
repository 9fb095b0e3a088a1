"""Loopback servers for the notify tests: an HTTP receiver (webhook, SMS gateway, Zalo OA) and SMTP (aiosmtpd)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.notify.receiver import Receiver, start_receiver

SECRET = "webhook-secret-for-tests"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = start_receiver()
    yield r
    r.close()


@pytest.fixture
def channels(settings: Any, receiver: Receiver) -> Receiver:
    """Every HTTP channel configured to the loopback receiver."""
    settings.NOTIFY_CHANNELS = {
        "email": {"enabled": False},
        "sms": {"url": f"{receiver.url}/sms", "token": "sms-token", "timeout": 5},
        "zalo": {"url": f"{receiver.url}/zalo", "token": "zalo-token", "timeout": 5},
        "webhook": {"secret": SECRET, "timeout": 5},
    }
    return receiver


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # aiosmtpd's start-up check cannot use port 0: take a free port first
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.NOTIFY_CHANNELS = {**settings.NOTIFY_CHANNELS, "email": {"enabled": True}}
    yield mailbox
    controller.stop()
