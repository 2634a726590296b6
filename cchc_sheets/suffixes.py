"""Which file names may hold a return: one list for the folder walk, mail collection and uploads.

No imports, so the mail and web faces can use it without loading the reader.
"""

READ_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")   # what the reader is built for
# Also taken from folders, mail and uploads, so that a commune's file saved as a template or as
# flat ODS is a finding (read when it can be, else ``not-a-spreadsheet`` saying what to send),
# never skipped.
RETURN_SUFFIXES = READ_SUFFIXES + (".xltx", ".xltm", ".xlt", ".ots", ".fods")
