"""The gratitude & reciprocity program: the moments when the brand can be loyal to the
customer (forgive a fee, recover from a service failure, thank for a milestone or a
referral, call back a detractor), each with a randomized holdout so the program's effect
is measured, not assumed. No points, vouchers or raffles.
"""

from legame.engage.gratitude.plan import KINDS, TRIGGERS, assign_arm, plan, write_plan
from legame.engage.gratitude.results import results

__all__ = ["KINDS", "TRIGGERS", "assign_arm", "plan", "results", "write_plan"]
