"""File-system helpers shared by every layer that writes files (imports nothing of the project)."""
