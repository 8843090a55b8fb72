"""nervsync: structure-aware diff, sync and merge of JSON, YAML and CSV model files."""

__version__ = "0.1.0"
