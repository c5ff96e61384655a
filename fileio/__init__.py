"""Small, dependency-free file helpers that every layer may import."""
