"""Data: the schema, fiscal calendars, parsing, validation and the vintage store (the data boundary)."""
