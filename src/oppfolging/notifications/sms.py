"""Sending SMS through a pluggable backend, chosen by the SMS_BACKEND setting.

- ConsoleBackend (development): prints the message.
- FileBackend: appends one JSON line per message to SMS_FILE_PATH.
- MemoryBackend (tests): keeps messages in `outbox`.
- HttpGatewayBackend (production): POSTs JSON to an SMS gateway, configured by SMS_GATEWAY_URL,
  SMS_GATEWAY_TOKEN and SMS_SENDER. A gateway with another request format gets a subclass that
  overrides `payload`.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The gateway did not take the message; the delivery is retried later."""


@dataclass(frozen=True)
class Sms:
    to: str
    text: str


def normalise_phone(number: str) -> str:
    """Return a number in international form: eight Norwegian digits get +47."""
    digits = "".join(c for c in number if c.isdigit() or c == "+")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if len(digits) == 8 and digits[0] in "2345679":
        digits = "+47" + digits
    return digits


class SmsBackend(Protocol):
    def send(self, message: Sms) -> None: ...


class ConsoleBackend:
    def send(self, message: Sms) -> None:
        print(f"SMS to {message.to}: {message.text}")  # noqa: T201 (the development backend)


class FileBackend:
    def send(self, message: Sms) -> None:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"to": message.to, "text": message.text}, ensure_ascii=False) + "\n")


class MemoryBackend:
    outbox: ClassVar[list[Sms]] = []

    def send(self, message: Sms) -> None:
        self.outbox.append(message)


class HttpGatewayBackend:
    """POST {"from", "to", "message"} as JSON with a bearer token; any 2xx answer is success."""

    timeout = 10

    def payload(self, message: Sms) -> dict[str, Any]:
        return {"from": settings.SMS_SENDER, "to": message.to, "message": message.text}

    def send(self, message: Sms) -> None:
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL,
            data=json.dumps(self.payload(message)).encode(),
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (URL from settings)
                if not 200 <= response.status < 300:
                    raise SmsError(f"gateway answered {response.status}")
        except OSError as error:
            raise SmsError(type(error).__name__) from error


def send_sms(*, to: str, text: str) -> None:
    """Send one SMS through the configured backend."""
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(Sms(to=normalise_phone(to), text=text))
