"""Forms of the service counters, one module per sub-domain: catalogue (and
the statistics filter), booking, survey."""
