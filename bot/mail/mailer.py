"""Sending email (transaction lists, account statements) through an SMTP server."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "text/csv"


@dataclass(frozen=True)
class Mailer:
    """Sends one message per call; the bank's relay in production, a local sink in development."""

    host: str
    port: int
    sender: str
    timeout: float = 10.0

    def send(self, to: str, subject: str, body: str,
             attachments: tuple[Attachment, ...] = ()) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        for attachment in attachments:
            maintype, _, subtype = attachment.mime_type.partition("/")
            message.add_attachment(attachment.content, maintype=maintype, subtype=subtype,
                                   filename=attachment.filename)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)
