"""Difficulty by rollouts: pass-rate statistics, adaptive sampling, IRT, selection and calibration."""
