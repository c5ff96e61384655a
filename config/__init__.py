"""Configuration: the settings every layer reads (paths under one data root) and the CLI options declared once."""
