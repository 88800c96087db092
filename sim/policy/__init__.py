"""Policy analysis over an experiment's results: robustness of each policy, scenario discovery."""
