"""What every email says, in Norwegian bokmål and English: (subject, body) per kind.

Written as a careful HR department would write them. Placeholders are filled by
`templates.render`; a placeholder ending in `_list` becomes a bulleted list.
"""

from __future__ import annotations

from workflows.contracts import EmailKind

TEXTS: dict[EmailKind, dict[str, tuple[str, str]]] = {
    EmailKind.SCHEDULE_REMINDER: {
        "nb": (
            "Påminnelse: avtal medarbeidersamtale med {employee}",
            "Du har ennå ikke avtalt medarbeidersamtalen med {employee}.\n"
            "Avtal tidspunktet minst to uker i forveien, i et møterom eller på video, "
            "ikke på ditt eget kontor, og sett av minst en time.",
        ),
        "en": (
            "Reminder: schedule the development conversation with {employee}",
            "You have not yet scheduled the development conversation with {employee}.\n"
            "Agree on a time at least two weeks ahead, in a meeting room or on video, "
            "not in your own office, and set aside at least an hour.",
        ),
    },
    EmailKind.SCHEDULING_ESCALATION: {
        "nb": (
            "Medarbeidersamtale ikke avtalt: {employee}",
            "Fristen for å avtale medarbeidersamtalen mellom {manager} og {employee} "
            "er passert uten at et tidspunkt er satt. Leder er ansvarlig for å "
            "gjennomføre samtalen etter planen; vennligst følg opp.",
        ),
        "en": (
            "Development conversation not scheduled: {employee}",
            "The deadline to schedule the development conversation between {manager} "
            "and {employee} has passed without a time being set. The manager is "
            "responsible for holding it as planned; please follow up.",
        ),
    },
    EmailKind.INVITATION: {
        "nb": (
            "Invitasjon til medarbeidersamtale {when}",
            "{manager} inviterer deg til medarbeidersamtale.\n\n"
            "Tid: {when} ({duration} minutter)\nSted: {where}\n\n"
            "Bekreft tidspunktet og fyll ut forberedelsen din før samtalen.",
        ),
        "en": (
            "Invitation to your development conversation on {when}",
            "{manager} invites you to your development conversation.\n\n"
            "When: {when} ({duration} minutes)\nWhere: {where}\n\n"
            "Please accept the time and complete your preparation before the meeting.",
        ),
    },
    EmailKind.RESCHEDULE: {
        "nb": (
            "Ny tid for medarbeidersamtalen: {when}",
            "Medarbeidersamtalen med {manager} er flyttet.\n\n"
            "Ny tid: {when} ({duration} minutter)\nSted: {where}\n\n"
            "Bekreft det nye tidspunktet.",
        ),
        "en": (
            "New time for your development conversation: {when}",
            "Your development conversation with {manager} has been moved.\n\n"
            "New time: {when} ({duration} minutes)\nWhere: {where}\n\n"
            "Please accept the new time.",
        ),
    },
    EmailKind.CANCELLATION: {
        "nb": (
            "Avlyst: medarbeidersamtale {when}",
            "Medarbeidersamtalen mellom {manager} og {employee} {when} er avlyst.\n"
            "Begrunnelse: {reason}",
        ),
        "en": (
            "Cancelled: development conversation on {when}",
            "The development conversation between {manager} and {employee} on {when} "
            "has been cancelled.\nReason: {reason}",
        ),
    },
    EmailKind.PREP_REMINDER: {
        "nb": (
            "Forbered deg til medarbeidersamtalen {when}",
            "Medarbeidersamtalen er {when}. Du har ikke levert forberedelsen din ennå. "
            "Tenk gjennom arbeidssituasjonen, samarbeid og trivsel, de fysiske "
            "arbeidsforholdene og hva du ønsker å utvikle.",
        ),
        "en": (
            "Prepare for your development conversation on {when}",
            "The development conversation is on {when}. You have not submitted your "
            "preparation yet. Think about your work situation, collaboration and "
            "well-being, the physical working conditions and what you want to develop.",
        ),
    },
    EmailKind.DAY_BEFORE: {
        "nb": (
            "I morgen: medarbeidersamtale {when}",
            "Påminnelse om medarbeidersamtalen mellom {manager} og {employee} i morgen.\n\n"
            "Tid: {when} ({duration} minutter)\nSted: {where}",
        ),
        "en": (
            "Tomorrow: development conversation on {when}",
            "A reminder of the development conversation between {manager} and "
            "{employee} tomorrow.\n\nWhen: {when} ({duration} minutes)\nWhere: {where}",
        ),
    },
    EmailKind.NO_SHOW: {
        "nb": (
            "Medarbeidersamtalen ble ikke gjennomført",
            "Medarbeidersamtalen {when} ble ikke gjennomført. {manager} vil foreslå "
            "et nytt tidspunkt.",
        ),
        "en": (
            "The development conversation did not take place",
            "The development conversation on {when} did not take place. {manager} "
            "will propose a new time.",
        ),
    },
    EmailKind.SUMMARY_REMINDER: {
        "nb": (
            "Skriv referat fra medarbeidersamtalen med {employee}",
            "Samtalen med {employee} var {when}, men referatet og de avtalte tiltakene "
            "er ikke registrert. Skriv referatet mens samtalen er frisk i minne.",
        ),
        "en": (
            "Write the summary of the conversation with {employee}",
            "The conversation with {employee} was on {when}, but the summary and agreed "
            "actions have not been recorded. Please write them while it is fresh.",
        ),
    },
    EmailKind.SIGNOFF_REQUEST: {
        "nb": (
            "Referat fra medarbeidersamtalen til godkjenning",
            "{manager} har skrevet referat fra medarbeidersamtalen. Les det i samtale: "
            "du kan godkjenne det, skrive en kommentar, signere med uenighet eller la "
            "være å signere.",
        ),
        "en": (
            "Summary of your development conversation for approval",
            "{manager} has written the summary of your development conversation. "
            "Read it in samtale: you can approve it, write a comment, sign it with "
            "disagreement or decline to sign.",
        ),
    },
    EmailKind.SIGNOFF_REMINDER: {
        "nb": (
            "Påminnelse: godkjenn referatet fra medarbeidersamtalen",
            "Referatet fra medarbeidersamtalen med {manager} venter fortsatt på din godkjenning.",
        ),
        "en": (
            "Reminder: approve the summary of your development conversation",
            "The summary of your development conversation with {manager} is still "
            "waiting for your approval.",
        ),
    },
    EmailKind.ACTION_DUE_SOON: {
        "nb": (
            "Et tiltak fra medarbeidersamtalen forfaller {due}",
            "Et tiltak du har fra medarbeidersamtalen med {manager} forfaller {due}. "
            "Hva tiltaket gjelder, ser du i samtalen.",
        ),
        "en": (
            "An action from your development conversation is due on {due}",
            "An action you own from the development conversation with {manager} is due on "
            "{due}. What it is, you see in the conversation.",
        ),
    },
    EmailKind.ACTION_OVERDUE: {
        "nb": (
            "Et tiltak fra medarbeidersamtalen har forfalt",
            "Et tiltak fra medarbeidersamtalen mellom {manager} og {employee} "
            "forfalt {due} og er ikke markert som utført. Hva tiltaket gjelder, ser du i "
            "samtalen.",
        ),
        "en": (
            "An action from the development conversation is overdue",
            "An action from the development conversation between {manager} "
            "and {employee} was due on {due} and is not marked as done. What it is, you see "
            "in the conversation.",
        ),
    },
    EmailKind.KICKOFF: {
        "nb": (
            "{cycle}: {count} medarbeidersamtaler å avtale",
            "HR har startet {cycle}. Som leder er du ansvarlig for å gjennomføre "
            "medarbeidersamtalene med disse medarbeiderne innen {window_end}:\n\n"
            "{reviews_list}\n\n"
            "Avtal hver samtale minst to uker i forveien, i et møterom, på video eller "
            "utenfor kontoret, ikke på ditt eget kontor. Sett av minst en time uten "
            "forstyrrelser, og forbered deg godt.",
        ),
        "en": (
            "{cycle}: {count} development conversations to schedule",
            "HR has started {cycle}. As their manager you are responsible for holding the "
            "development conversations with these employees by {window_end}:\n\n"
            "{reviews_list}\n\n"
            "Agree each conversation at least two weeks ahead, in a meeting room, on video or "
            "offsite, not in your own office. Set aside at least an hour without "
            "interruptions, and come well prepared.",
        ),
    },
    EmailKind.MANAGER_DIGEST: {
        "nb": (
            "Ukesoversikt: medarbeidersamtaler og tiltak",
            "Her er ukens oversikt over teamets medarbeidersamtaler og avtalte tiltak.\n\n"
            "Samtaler som ikke er avtalt ennå:\n{to_schedule_list}\n\n"
            "Forfalte tiltak:\n{overdue_list}\n\n"
            "Åpne tiltak:\n{open_list}",
        ),
        "en": (
            "Weekly overview: development conversations and actions",
            "Here is this week's overview of your team's development conversations and "
            "agreed actions.\n\n"
            "Conversations not yet scheduled:\n{to_schedule_list}\n\n"
            "Overdue actions:\n{overdue_list}\n\n"
            "Open actions:\n{open_list}",
        ),
    },
    EmailKind.HR_DIGEST: {
        "nb": (
            "Ukesoversikt {cycle}: dette henger etter",
            "Status for {cycle} denne uken.\n\n"
            "Ikke avtalt etter fristen: {unscheduled}\n"
            "Referat mangler: {summaries_missing}\n"
            "Forfalte tiltak: {actions_overdue}\n\n"
            "Ledere med flest saker som henger etter:\n{slipping_list}",
        ),
        "en": (
            "Weekly overview {cycle}: what is slipping",
            "Where {cycle} stands this week.\n\n"
            "Not scheduled after the deadline: {unscheduled}\n"
            "Summaries missing: {summaries_missing}\n"
            "Overdue actions: {actions_overdue}\n\n"
            "Managers with the most open items:\n{slipping_list}",
        ),
    },
    EmailKind.EMAIL_UNDELIVERABLE: {
        "nb": (
            "E-post kunne ikke leveres: {employee}",
            "En e-post om medarbeidersamtalen mellom {manager} og {employee} ble avvist av "
            "e-postserveren og er ikke levert.\n\n"
            "E-post: {failed_kind}\nMottaker: {failed_to}\nSvar fra serveren: {error}\n\n"
            "Kontroller adressen i HR-systemet; samtalen fortsetter som planlagt.",
        ),
        "en": (
            "Email could not be delivered: {employee}",
            "An email about the development conversation between {manager} and {employee} "
            "was refused by the mail server and has not been delivered.\n\n"
            "Email: {failed_kind}\nRecipient: {failed_to}\nServer's answer: {error}\n\n"
            "Please check the address in the HR system; the conversation goes on as planned.",
        ),
    },
    EmailKind.REVIEW_CANCELLED: {
        "nb": (
            "Medarbeidersamtale avlyst: {employee}",
            "Medarbeidersamtalen med {employee} i denne runden er avlyst, og du trenger ikke "
            "å avtale den.\nBegrunnelse: {reason}",
        ),
        "en": (
            "Development conversation cancelled: {employee}",
            "The development conversation with {employee} in this cycle has been cancelled; "
            "you need not schedule it.\nReason: {reason}",
        ),
    },
    EmailKind.MANAGER_CHANGED: {
        "nb": (
            "Ny leder for medarbeidersamtalen med {employee}",
            "{employee} har fått ny leder. Medarbeidersamtalen i denne runden flyttes fra "
            "{old_manager_name} til {new_manager_name}, med alt som er gjort så langt: "
            "forberedelser, referat og avtalte tiltak. {new_manager_name} er nå ansvarlig for "
            "å gjennomføre og følge opp samtalen.",
        ),
        "en": (
            "New manager for the development conversation with {employee}",
            "{employee} has a new manager. The development conversation in this cycle moves "
            "from {old_manager_name} to {new_manager_name}, with everything done so far: "
            "preparation, summary and agreed actions. {new_manager_name} is now responsible "
            "for holding it and following it up.",
        ),
    },
}
