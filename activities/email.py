"""The send_email activity: one review email, sent at most once per idempotency key."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.mail.mailer import Mailer
from activities.mail.smtp import PermanentSmtpError
from workflows.contracts import EmailOutcome, EmailRequest


class EmailActivities:
    def __init__(self, mailer: Mailer) -> None:
        self._mailer = mailer

    @activity.defn(name="send_email")
    async def send_email(self, req: EmailRequest) -> EmailOutcome:
        # The workflow's clock, not the host's: the Date header and the log then say
        # when the review meant to send, also under the time-skipping test server.
        now = activity.info().current_attempt_scheduled_time
        try:
            return await self._mailer.deliver(req, now)
        except PermanentSmtpError as e:
            raise ApplicationError(
                f"the mail relay refused {req.kind.value}: {e}",
                type="PermanentEmailFailure",
                non_retryable=True,
            ) from e
