"""Calibration to published patterns (issue 13): targets as data, virtual experiments, Morris screening,
ABC-SMC (pyabc), posterior predictive and the held-out report. See ``docs/calibration.md``.

- :mod:`sim.calibration.targets`: ``targets.toml`` loaded and checked (:func:`load_targets`);
- :mod:`sim.calibration.experiments`: the virtual experiments, ``f(values, seed, **design) -> statistics``;
- :mod:`sim.calibration.priors`: the candidate parameters and their uniform priors;
- :mod:`sim.calibration.screening`: Morris screening (SALib);
- :mod:`sim.calibration.fit`: :func:`calibrate` end to end, resumable;
- :mod:`sim.calibration.report`: targets against the posterior predictive, figures.
- :mod:`sim.calibration.results`: a calibration folder checked and read back (:func:`load_result`).

Nothing here changes :class:`sim.core.params.Params` defaults: a posterior is an output to inspect.
"""
