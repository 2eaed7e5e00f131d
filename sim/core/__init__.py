"""The model: parameters, presets, behavioural rules, grid, agents' state, policy allocation, interventions, measures, TrustModel, plug-ins."""
