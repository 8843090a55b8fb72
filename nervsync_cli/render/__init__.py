"""Rendering for people and programs: rich tables, JSON and YAML reports. The only home of rich."""
