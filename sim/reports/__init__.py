"""Reports: result folders, tables, figures and the texts people read.

Everything that writes a study's results to disk lives here: the result-folder
mechanics (:mod:`~sim.reports.folder`: new folders, manifests, atomic and
exclusive writes), a run's folder (:mod:`~sim.reports.runs`), a comparison's
(:mod:`~sim.reports.comparison`), the decision brief (:mod:`~sim.reports.brief`, its
numbers written by :mod:`~sim.reports.plain`, which the studio uses too) and the claims
report (:mod:`~sim.reports.claims`). The standard figures are :mod:`sim.reports.figures`.
"""
