"""Cases: every detractor answer and every poor service experience, followed up by a person.

::

    open_cases(ws)                      # open the cases due (idempotent: once per source)
    list_cases(ws, status="new", sort="clv")          # the queue, one page
    update_case(ws, 7, version=1, actor="anna", owner="anna")   # assign (or close, note)
    contact_case(ws, 7, channel="phone", actor="anna")  # the governor decides, then logged
    case_stats(ws)                      # time to contact and resolution; the call-back's effect

A case opens, once, for each NPS answer of 0-6 and each ticket poor by the rule the
findings and the scores use (``legame/sql/defs/poor_ticket.sql``), among the answers and
tickets of the policy's ``[cases] lookback_days``. It carries the customer's CLV and churn
risk at opening, the comment, a due date (the kind's SLA), an owner, a status (``new`` →
``contacted`` → ``resolved`` / ``no-answer``), and a history of every change.

Every change names the ``version`` of the case it was computed from and runs in one
transaction under the workspace's writer lock: of two changes made from the same version,
one is applied and the other is a conflict (:class:`~legame.engage.cases.workflow.Change`
with ``applied`` false), never a silent overwrite.

A detractor case whose answer the detractor_callback trigger puts in its randomized holdout
(``legame.engage.gratitude.plan.assign_arm``, the arm the gesture plan gives the same
answer) is never called: it is hidden from the queue by default and contacting it is
refused. Treatment against holdout measures what the call-back does to the next NPS answer
and to repurchase (``case_stats``); docs/cases.md describes the method.

The queue, the counts and the measures take a ``period``
(:func:`legame.metrics.period.parse_period`): the cases *opened* in it. Without one they
are about every case.
"""

from legame.engage.cases.effect import callback_effect, case_stats
from legame.engage.cases.opening import Opened, open_cases
from legame.engage.cases.queue import case_counts, get_case, list_cases
from legame.engage.cases.workflow import Change, Contact, contact_case, update_case

__all__ = [
    "Change",
    "Contact",
    "Opened",
    "callback_effect",
    "case_counts",
    "case_stats",
    "contact_case",
    "get_case",
    "list_cases",
    "open_cases",
    "update_case",
]
