"""Calibration: the model fitted to the public record, by ABC-SMC on the trial axis."""
