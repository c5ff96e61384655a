"""The project's domain vocabulary: plain values every layer shares (imports nothing of the project)."""
