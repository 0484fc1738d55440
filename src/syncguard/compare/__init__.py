"""Week over week: hashed snapshots of an export, and what changed since the previous one."""
