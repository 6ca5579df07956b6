"""tap: the reference multi-environment AWS web-service stack."""
