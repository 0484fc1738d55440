"""Week over week: hashed snapshots, matching students, the sync plan and comparison checks."""
