"""The send_email activity: one review email, sent at most once per idempotency key."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.mail.mailer import Mailer
from activities.mail.smtp import PermanentSmtpError
from workflows.contracts import EmailOutcome, EmailRequest

# Heartbeat detail of a send_email attempt whose message the relay has taken: its retry
# (the log's write failed after the relay took it) only logs it, never sends it again.
RELAY_ACCEPTED = "relay-accepted"


class EmailActivities:
    def __init__(self, mailer: Mailer) -> None:
        self._mailer = mailer

    @activity.defn(name="send_email")
    async def send_email(self, req: EmailRequest) -> EmailOutcome:
        # The workflow's clock, not the host's: the Date header and the log then say
        # when the review meant to send, also under the time-skipping test server.
        now = activity.info().current_attempt_scheduled_time
        if RELAY_ACCEPTED in activity.info().heartbeat_details:
            return await self._mailer.record_sent(req, now)
        try:
            return await self._mailer.deliver(
                req, now, accepted=lambda: activity.heartbeat(RELAY_ACCEPTED)
            )
        except PermanentSmtpError as e:
            raise ApplicationError(
                f"the mail relay refused {req.kind.value}: {e}",
                type="PermanentEmailFailure",
                non_retryable=True,
            ) from e
