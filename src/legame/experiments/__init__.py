"""Experiments a marketer can plan, watch and trust (issue 20, docs/experiments.md).

* :mod:`legame.experiments.power`: the minimum detectable effect and the duration needed,
  before launch; :mod:`legame.experiments.plan` fills them with the workspace's numbers.
* :mod:`legame.experiments.estimate`: an arm comparison from per-customer sums: the
  unadjusted difference, the CUPED-adjusted one and an always-valid confidence sequence.
* :mod:`legame.experiments.gestures`: the gratitude program read that way, by segment,
  with its return; :mod:`legame.experiments.contact_test`: a randomized contact-frequency
  test's arms compared.

Which arm of a contact test a customer is in is :mod:`legame.assign` (base layer: the
policy, the governor and the simulator compute it too).
"""
