"""The canonical tables: names, columns, types, rules and natural keys.

This is the contract every source is mapped onto (see ``docs/data-model.md``). The DDL
that creates the tables lives in the ordered migrations (``store/migrations/``); a test
checks that a freshly migrated store matches this description column for column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["id", "text", "timestamp", "amount", "int", "choice"]

#: The ten high-impact emotional motivators (Magids, Zorfas & Leemon, HBR 2015), as
#: survey columns scored 1-5, in the order the article lists them.
MOTIVATORS: dict[str, str] = {
    "emo_stand_out": "Stand out from the crowd",
    "emo_confident_future": "Have confidence in the future",
    "emo_well_being": "Enjoy a sense of well-being",
    "emo_freedom": "Feel a sense of freedom",
    "emo_thrill": "Feel a sense of thrill",
    "emo_belonging": "Feel a sense of belonging",
    "emo_environment": "Protect the environment",
    "emo_self_identity": "Be the person I want to be",
    "emo_secure": "Feel secure",
    "emo_success": "Succeed in life",
}

#: Columns every canonical table carries besides its own: where the row came from.
META_COLUMNS: tuple[str, ...] = ("_batch_id", "_source_file", "_source_line", "_extra")


@dataclass(frozen=True)
class Column:
    """One canonical column and the rule its values must follow."""

    name: str
    kind: Kind
    required: bool = False
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    default: str | None = None
    customer_ref: bool = False
    personal: bool = False
    case: Literal["lower", "upper"] | None = None
    doc: str = ""

    @property
    def sql_type(self) -> str:
        return {
            "id": "VARCHAR",
            "text": "VARCHAR",
            "choice": "VARCHAR",
            "timestamp": "TIMESTAMP",
            "amount": "DECIMAL(18,4)",
            "int": "INTEGER",
        }[self.kind]


@dataclass(frozen=True)
class Table:
    """A canonical table: its columns and the natural key that makes ingestion idempotent."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    doc: str = ""
    extra_columns: tuple[tuple[str, str], ...] = field(default=())

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def customer_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.customer_ref)


def _id(name: str, doc: str, **kw: object) -> Column:
    return Column(name, "id", required=True, doc=doc, **kw)  # type: ignore[arg-type]


def _cust(name: str = "customer_id", *, required: bool = True, doc: str = "") -> Column:
    return Column(
        name,
        "id",
        required=required,
        customer_ref=True,
        doc=doc or "the customer (created as implicit if not yet known)",
    )


def _ts(name: str, doc: str, *, required: bool = False) -> Column:
    return Column(name, "timestamp", required=required, doc=doc)


def _score(name: str, lo: int, hi: int, doc: str) -> Column:
    return Column(name, "int", min=lo, max=hi, doc=doc)


def _text(name: str, doc: str, **kw: object) -> Column:
    return Column(name, "text", doc=doc, **kw)  # type: ignore[arg-type]


def _code(
    name: str, doc: str, case: Literal["lower", "upper"] = "lower", *, required: bool = False
) -> Column:
    """A short code compared case-insensitively (channel, language, country, currency)."""
    return Column(name, "text", required=required, case=case, doc=doc)


CUSTOMERS = Table(
    "customers",
    (
        _id("customer_id", "the customer's identifier in the source systems"),
        _ts("created_at", "when the customer relationship started"),
        _text("email", "e-mail address", personal=True),
        _text("phone", "phone number", personal=True),
        _code("country", "ISO 3166 country code, e.g. IT", "upper"),
        _code("language", "preferred language, e.g. it, es, en"),
        _text("time_zone", "IANA time zone, e.g. Europe/Rome (quiet hours use it)"),
    ),
    key=("customer_id",),
    doc="One row per customer. Customers referenced elsewhere but never loaded are "
    "created with implicit = true.",
    extra_columns=(("implicit", "BOOLEAN NOT NULL DEFAULT false"),),
)

ORDERS = Table(
    "orders",
    (
        _id("order_id", "order number"),
        _cust(),
        _ts("ordered_at", "when the order was placed", required=True),
        Column("amount", "amount", required=True, min=0, doc="order value (>= 0)"),
        _code("currency", "ISO 4217 currency code, e.g. EUR", "upper"),
        _code("channel", "store, web, app, phone, marketplace, ..."),
        Column(
            "status",
            "choice",
            choices=("completed", "refunded", "cancelled"),
            default="completed",
            doc="completed (default), refunded or cancelled",
        ),
    ),
    key=("order_id",),
    doc="Purchases. Only completed orders count as purchases in the models.",
)

TICKETS = Table(
    "tickets",
    (
        _id("ticket_id", "support ticket number"),
        _cust(),
        _ts("opened_at", "when the customer opened the ticket", required=True),
        _ts("first_response_at", "first answer from the company (empty: none yet)"),
        _ts("resolved_at", "when it was resolved (empty: unresolved)"),
        _code("channel", "email, phone, chat, store, social, ..."),
        _text("category", "what it was about"),
        _score("csat", 1, 5, "ticket satisfaction, 1 (very poor) to 5 (very good)"),
        _score("effort", 1, 7, "customer effort, 1 (very easy) to 7 (very hard)"),
    ),
    key=("ticket_id",),
    doc="Customer service contacts.",
)

SURVEY_RESPONSES = Table(
    "survey_responses",
    (
        _id("response_id", "survey response identifier"),
        _cust(),
        _ts("answered_at", "when the survey was answered", required=True),
        _score("nps", 0, 10, "likelihood to recommend, 0-10 (empty: skipped)"),
        _score("csat", 1, 5, "overall satisfaction, 1-5"),
        _score("ces", 1, 7, "customer effort score, 1 (easy) to 7 (hard)"),
        *(
            _score(name, 1, 5, f"emotional motivator: {label} (1-5 agreement)")
            for name, label in MOTIVATORS.items()
        ),
        _text("comment", "free-text comment", personal=True),
        _code("language", "language of the answer, e.g. it"),
    ),
    key=("response_id",),
    doc="Survey answers: NPS, CSAT, CES and the ten emotional motivators.",
)

CAMPAIGNS = Table(
    "campaigns",
    (
        _id("campaign_id", "campaign identifier"),
        _text("name", "campaign name"),
        _code("channel", "email, sms, push, ..."),
        _text("subject", "subject line"),
        _text("body", "message body"),
        _code("language", "language of the message"),
        Column(
            "kind",
            "choice",
            choices=("marketing", "transactional"),
            default="marketing",
            doc="marketing (default) or transactional (may be exempt from caps)",
        ),
    ),
    key=("campaign_id",),
    doc="Marketing and transactional campaigns.",
)

MESSAGES = Table(
    "messages",
    (
        _id("message_id", "message identifier"),
        _cust(),
        _text("campaign_id", "the campaign it belongs to, if any"),
        _code("channel", "email, sms, push, phone, post, ...", required=True),
        _ts("sent_at", "when it was sent", required=True),
        _ts("opened_at", "when it was opened"),
        _ts("clicked_at", "when a link was clicked"),
        _ts("unsubscribed_at", "when the customer unsubscribed from it"),
        _ts("complained_at", "when the customer complained (e.g. marked as spam)"),
    ),
    key=("message_id",),
    doc="Every message sent to a customer, one row per send.",
)

CONSENTS = Table(
    "consents",
    (
        _cust(),
        _code("channel", "email, sms, push, phone, post, ...", required=True),
        Column(
            "status",
            "choice",
            required=True,
            choices=("granted", "withdrawn"),
            doc="granted or withdrawn",
        ),
        _ts("at", "when the consent was given or withdrawn", required=True),
    ),
    key=("customer_id", "channel", "at"),
    doc="Consent events per customer and channel; the latest event decides.",
)

CHARGES = Table(
    "charges",
    (
        _id("charge_id", "charge identifier"),
        _cust(),
        _text("kind", "late_fee, delivery_fee, ..."),
        Column("amount", "amount", required=True, min=0, doc="amount charged (>= 0)"),
        _ts("charged_at", "when it was charged", required=True),
        _ts("waived_at", "when it was forgiven (empty: not waived)"),
    ),
    key=("charge_id",),
    doc="Fees charged to customers, and whether they were waived.",
)

GESTURES = Table(
    "gestures",
    (
        _id("gesture_id", "gesture identifier"),
        _cust(),
        Column(
            "kind",
            "text",
            required=True,
            doc="fee_waiver, thank_you_note, service_recovery, call_back, ...",
        ),
        _text("reason", "why the brand gave it"),
        _ts("given_at", "when it was given (or assigned, for the holdout arm)"),
        Column("cost", "amount", min=0, doc="what it cost the brand"),
        Column(
            "arm",
            "choice",
            choices=("treatment", "holdout"),
            default="treatment",
            doc="treatment (given) or holdout (randomly withheld, for measurement)",
        ),
        _text("trigger", "the program rule that proposed it, if any"),
        _text("event_key", "the event it answers (a trigger fires once per event)"),
    ),
    key=("gesture_id",),
    doc="Gestures of gratitude and reciprocity, with their randomized arm.",
)

REFERRALS = Table(
    "referrals",
    (
        _id("referral_id", "referral identifier"),
        _cust("referrer_id", doc="the customer who recommended"),
        _cust("referred_customer_id", required=False, doc="the new customer, if known"),
        _ts("referred_at", "when the referral happened", required=True),
    ),
    key=("referral_id",),
    doc="Word of mouth: who brought whom.",
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        CUSTOMERS,
        ORDERS,
        TICKETS,
        SURVEY_RESPONSES,
        CAMPAIGNS,
        MESSAGES,
        CONSENTS,
        CHARGES,
        GESTURES,
        REFERRALS,
    )
}

#: Words accepted for each choice value (case-insensitive), so exports from Italian and
#: Spanish tools load without a mapping step. Anything else is rejected with the list.
CHOICE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "completed": (
        "complete",
        "completato",
        "completata",
        "evaso",
        "completado",
        "completada",
        "paid",
        "pagato",
        "pagado",
        "delivered",
        "consegnato",
        "entregado",
    ),
    "refunded": (
        "refund",
        "returned",
        "rimborsato",
        "rimborsata",
        "reso",
        "reembolsado",
        "reembolsada",
        "devuelto",
    ),
    "cancelled": (
        "canceled",
        "cancel",
        "annullato",
        "annullata",
        "cancellato",
        "cancelado",
        "cancelada",
        "anulado",
        "anulada",
    ),
    "granted": (
        "yes",
        "y",
        "true",
        "1",
        "si",
        "sì",
        "sí",
        "opt-in",
        "opt_in",
        "optin",
        "subscribed",
        "concesso",
        "concedido",
        "accepted",
    ),
    "withdrawn": (
        "no",
        "n",
        "false",
        "0",
        "revoked",
        "opt-out",
        "opt_out",
        "optout",
        "unsubscribed",
        "revocato",
        "revocado",
        "ritirato",
        "retirado",
    ),
    "treatment": ("treated", "trattamento", "tratamiento"),
    "holdout": ("control", "controllo", "control_group"),
    "transactional": ("transazionale", "transaccional"),
}
