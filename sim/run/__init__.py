"""Running simulations: evaluators (serial, process pool, Dask), one run driver, experiments, sweeps, sensitivity."""
