"""The effect engine: did a follow-up team reduce acute admissions? Never imports Django.

A :class:`~oppfolging.effect.cohort.Cohort` holds persons, their team start (if any), hospital
stays and risk-score snapshots as plain arrays; :func:`~oppfolging.effect.estimate.estimate`
compares persons who got a team with persons of similar risk at the same calendar time who had
not (yet) got one, beside the naive before/after. :mod:`~oppfolging.effect.extracts` builds a
cohort from yearly GP extracts, :mod:`~oppfolging.effect.simulate` writes a population with a
known effect, and ``oppfolging effect …`` (:mod:`~oppfolging.effect.cli`) runs both. The method
and its coverage are documented in docs/effect.md.
"""
