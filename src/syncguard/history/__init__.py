"""The run history: a SQLite file of past runs, per-rule counts and hashed snapshots."""
