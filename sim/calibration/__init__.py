"""Calibrating a scenario from an organisation's own exports (``pmosim calibrate``).

Three ordinary files (a service desk's tickets, an HR list of staff and leavers,
a PMO's project register) are read strictly (:mod:`~sim.calibration.exports`),
put on the model's clock by a working calendar (:mod:`~sim.calibration.calendar`)
and fitted: directly where the files record a parameter (one module per fit,
gathered by :mod:`~sim.calibration.direct`), indirectly, by approximate Bayesian
computation on the monthly series the files imply, where they do not
(:mod:`~sim.calibration.indirect`). :mod:`~sim.calibration.holdout` checks the
calibrated scenario on months held out of the fitting. The fits are pure
functions; :mod:`sim.reports.calibration` writes the calibrated scenario and the
fit report. ``docs/calibration.md`` describes the formats, options and fits.

Nothing is imported here, so that ``import sim`` does not load the fitting
libraries.
"""
