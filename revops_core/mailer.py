"""Mail through the SMTP server of ``config/sharing.yaml`` (``burst-scorecards --send``).

An adapter at the edge: ``scorecard_message`` builds one message per dealer group (its own
addresses only, its own PDF attached); ``send`` opens one connection and hands each message over,
reporting per message what failed. The user name and password come from the environment
variables the config names, never from the config itself, and are never sent over a plain
connection to another machine.
"""
from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from revops_core.config import Smtp
from revops_core.errors import RevOpsError

log = logging.getLogger(__name__)
LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")


class MailError(RevOpsError):
    """The mail server cannot be used as configured (no TLS for a password, cannot connect, …)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    maintype: str = "application"
    subtype: str = "pdf"


def scorecard_message(sender: str, recipients: Sequence[str], group: str, window: str, pdf: Attachment) -> EmailMessage:
    """The mail of one dealer group's scorecard: to its addresses, its PDF attached, its name only."""
    message = EmailMessage()
    message["From"], message["To"] = sender, ", ".join(recipients)
    message["Subject"] = f"Ecosystem scorecard: {group}, {window}"
    message["Date"], message["Message-ID"] = formatdate(localtime=True), make_msgid(domain="autorevops")
    message.set_content(
        f"Attached is the ecosystem scorecard of {group} for {window} (one page, PDF).\n\n"
        "It shows your dealers by name and your own totals; every other dealer or group appears only as an "
        "anonymous peer benchmark (median and top quartile of scores and rates), never its name, counts or money.\n\n"
        "Sent by AutoRevOps.\n")
    message.add_attachment(pdf.data, maintype=pdf.maintype, subtype=pdf.subtype, filename=pdf.filename)
    return message


def credentials(smtp: Smtp, environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """(user, password) from the environment variables ``smtp`` names, or None when the user's is unset."""
    env = os.environ if environ is None else environ
    user = env.get(smtp.username_env, "").strip()
    return (user, env.get(smtp.password_env, "")) if user else None


def _connect(smtp: Smtp) -> smtplib.SMTP:
    context = ssl.create_default_context()
    try:
        if smtp.ssl:
            return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=context)
        server = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
        if smtp.starttls:
            server.starttls(context=context)
        return server
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"cannot use the mail server {smtp.host}:{smtp.port} ({exc}); check smtp in "
                        "config/sharing.yaml") from exc


def send(smtp: Smtp, messages: Sequence[EmailMessage], environ: Mapping[str, str] | None = None) -> list[str | None]:
    """Send ``messages`` over one connection; per message None (accepted) or why it was not.
    Raises ``MailError`` when the server cannot be reached or refuses the login."""
    login = credentials(smtp, environ)
    if login and not (smtp.ssl or smtp.starttls) and smtp.host not in LOCAL_HOSTS:
        raise MailError(f"refusing to send the SMTP password unencrypted to {smtp.host}; set smtp.starttls: true "
                        "(port 587) or smtp.ssl: true (port 465) in config/sharing.yaml")
    server = _connect(smtp)
    try:
        if login:
            server.login(*login)
        return [_one(server, smtp.from_, m) for m in messages]
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"the mail server refused the login of {login[0] if login else '?'} ({exc.smtp_code}); "
                        f"check {smtp.username_env} and {smtp.password_env}") from exc
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()


def _one(server: smtplib.SMTP, sender: str, message: EmailMessage) -> str | None:
    try:
        refused = server.send_message(message, from_addr=_address(sender))
    except smtplib.SMTPRecipientsRefused as exc:
        return f"every address was refused ({', '.join(exc.recipients)})"
    except (smtplib.SMTPException, OSError) as exc:
        return str(exc) or type(exc).__name__
    return f"refused: {', '.join(refused)}" if refused else None


def _address(sender: str) -> str:
    """The bare address of ``Name <address>``."""
    from email.utils import parseaddr

    return parseaddr(sender)[1] or sender
