"""trajaudit: a fast, offline, deterministic auditor for AI-agent trajectories."""

__version__ = "0.1.0"
