"""Email through SendGrid's v3 API, with the official `sendgrid` SDK."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.providers import OutboundMessage, SendResult, classify

if TYPE_CHECKING:
    from shared.config import Settings


class SendGridProvider:
    name = "sendgrid"

    def __init__(self, settings: Settings) -> None:
        from sendgrid import SendGridAPIClient

        self.sender = settings.get("EMAIL_FROM") or ""
        # SENDGRID_API_HOST is for tests and EU data residency (api.eu.sendgrid.com).
        host = settings.get("SENDGRID_API_HOST") or "https://api.sendgrid.com"
        self.client = SendGridAPIClient(api_key=settings.get("SENDGRID_API_KEY"), host=host)

    def send(self, message: OutboundMessage) -> SendResult:
        from python_http_client.exceptions import HTTPError
        from sendgrid.helpers.mail import (
            Attachment,
            CustomArg,
            Disposition,
            FileContent,
            FileName,
            FileType,
            Mail,
        )

        mail = Mail(
            from_email=self.sender,
            to_emails=message.to,
            subject=message.subject or "",
            plain_text_content=message.text,
            html_content=message.html,
        )
        for item in message.attachments:
            mail.add_attachment(
                Attachment(
                    FileContent(item.content_base64),
                    FileName(item.filename),
                    FileType(item.content_type),
                    Disposition("attachment"),
                )
            )
        if message.dedupe_key:
            # Lets a bounce or event webhook be traced back to what caused it.
            mail.add_custom_arg(CustomArg("dedupe_key", message.dedupe_key))
        try:
            response = self.client.send(mail)
        except HTTPError as error:
            raise classify(
                error.status_code, f"SendGrid refused the email: {error.body!r}"
            ) from error
        except OSError as error:
            raise classify(None, f"SendGrid unreachable: {error}") from error
        message_id = dict(response.headers).get("X-Message-Id", "")
        return SendResult(provider=self.name, provider_message_id=message_id, status="accepted")
