"""The contact governor: frequency caps, quiet hours, cooldowns and consent, per send; the
caps of each customer's arm in a running contact test, and each customer's own preferences
(tighter than the policy, never looser).

::

    gov = Governor(workspace, load_policy(policy_path_for(workspace.path)))
    gov.check("C1", "email", "2025-03-30T19:30")   # Decision(allowed, reasons, next_allowed_at)
    gov.record("C1", "email", "2025-03-30T19:30")  # log the send (one batch)
    allowed, suppressed = gov.plan(customer_ids, "email", at)  # a whole audience, set-based

The rules and their words are in ``rules.py`` (one customer, Python) and
``legame/sql/governor/plan.sql`` (a whole audience, DuckDB SQL); a test checks that they
agree.
"""

from legame.engage.governor.core import Governor, PlanResult, Recorded
from legame.engage.governor.decision import RULES, Decision, Reason

__all__ = ["RULES", "Decision", "Governor", "PlanResult", "Reason", "Recorded"]
