"""The SMTP client against real relays: STARTTLS and implicit TLS with authentication,
connections reused across sends, and an optional send-rate limit."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest
import trustme
from aiosmtpd.smtp import AuthResult, LoginPassword

from activities.mail.compose import Outgoing
from activities.mail.smtp import (
    PermanentSmtpError,
    SmtpConfig,
    SmtpSender,
    TransientSmtpError,
    classify,
)
from samtale.mailsink import MailSink

USER, PASSWORD = "samtale", "s3cret"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    return ctx


def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (USER, PASSWORD)
    return AuthResult(success=ok)


def message(n: int = 1) -> Outgoing:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "s@example.no", "kari@example.no", f"m{n}"
    msg.set_content("hei")
    return Outgoing(sender="s@example.no", recipients=["kari@example.no"], data=msg.as_bytes())


@pytest.fixture
def starttls_sink(ca: trustme.CA) -> Iterator[MailSink]:
    with MailSink(
        tls_context=server_context(ca),
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator,
    ) as sink:
        yield sink


async def test_starttls_with_authentication_delivers(starttls_sink: MailSink, ca_file: str) -> None:
    sender = SmtpSender(
        SmtpConfig(
            host="127.0.0.1",
            port=starttls_sink.port,
            starttls=True,
            username=USER,
            password=PASSWORD,
            ca_file=ca_file,
        )
    )
    await sender.send(message())
    await sender.close()
    assert [m["Subject"] for m in starttls_sink.messages] == ["m1"]


@pytest.mark.parametrize(
    ("code", "permanent"),
    [(550, True), (554, True), (421, False), (451, False), (535, False), (530, False)],
)
def test_refusals_are_permanent_except_authentication_problems(code: int, permanent: bool) -> None:
    """A bad password is a setting to fix, after which the queued mail must still go out."""
    err = classify(aiosmtplib.SMTPResponseException(code, "no"))
    assert isinstance(err, PermanentSmtpError if permanent else TransientSmtpError)


async def test_an_untrusted_certificate_is_refused(starttls_sink: MailSink) -> None:
    sender = SmtpSender(
        SmtpConfig(
            host="127.0.0.1",
            port=starttls_sink.port,
            starttls=True,
            username=USER,
            password=PASSWORD,
        )
    )
    with pytest.raises(TransientSmtpError):
        await sender.send(message())
    assert starttls_sink.messages == []


async def test_implicit_tls_delivers(ca: trustme.CA, ca_file: str) -> None:
    with MailSink(ssl_context=server_context(ca)) as sink:
        sender = SmtpSender(
            SmtpConfig(host="127.0.0.1", port=sink.port, implicit_tls=True, ca_file=ca_file)
        )
        await sender.send(message())
        await sender.close()
        assert len(sink.messages) == 1


class CountingSink(MailSink):
    def __init__(self) -> None:
        super().__init__()
        self.connections = 0
        original = self.handler

        async def handle_EHLO(server, session, envelope, hostname, responses):  # type: ignore[no-untyped-def]
            self.connections += 1
            session.host_name = hostname
            return responses

        original.handle_EHLO = handle_EHLO  # type: ignore[attr-defined]


async def test_one_connection_carries_a_batch_of_sends() -> None:
    sink = CountingSink()
    with sink:
        sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=sink.port, pool_size=1))
        for n in range(5):
            await sender.send(message(n))
        await sender.close()
        assert (len(sink.messages), sink.connections) == (5, 1)


async def test_a_connection_the_relay_dropped_is_replaced_transparently() -> None:
    with MailSink() as sink:
        sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=sink.port, pool_size=1))
        await sender.send(message(1))
    with MailSink(port=sink.port) as again:  # the relay restarted: the pooled connection is dead
        await sender.send(message(2))
        assert [m["Subject"] for m in again.messages] == ["m2"]


async def test_the_rate_limit_spaces_sends() -> None:
    with MailSink() as sink:
        sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=sink.port, max_per_second=20))
        started = time.monotonic()
        for n in range(5):
            await sender.send(message(n))
        assert time.monotonic() - started >= 4 / 20
        assert len(sink.messages) == 5
