"""Importing in-flight inductions from a CSV file, so that CPD manages them.

The import runs in two phases so that a file the console cannot read changes nothing:

1. `reading`: the whole file is read (streamed through the csv module) and grouped per teacher;
   a file that cannot be read raises `ImportFileError` before the database is touched.
2. `run`: each teacher in turn. `held` says what CPD already holds (a rerun is a no-op),
   `trs_lookup` reads TRS through the console's gateway, `judging` asks the rule set,
   `writing` writes allowed teachers whole, in batches; `bodies` finds appropriate bodies and
   `report` words what happened.
"""

from app.importing.reading import (
    ALL_COLUMNS,
    COLUMNS,
    MAX_FILE_BYTES,
    MEGABYTE,
    OPTIONAL_COLUMNS,
    ImportFile,
    ImportFileError,
    Row,
    read_import_file,
)
from app.importing.report import (
    CONFLICT,
    DIFFERS,
    IMPORTED,
    MERGED,
    RECORDED_ON_ASSUMED,
    REJECTED,
    TRS_BEHIND,
    TRY_AGAIN,
    UNCHANGED,
    ImportResult,
    ReportEntry,
    plural,
    write_report,
)
from app.importing.run import DEFAULT_CONCURRENCY, MAX_CONCURRENCY, import_inductions
from app.importing.trs_lookup import ImportAborted

__all__ = [
    "ALL_COLUMNS",
    "COLUMNS",
    "CONFLICT",
    "DEFAULT_CONCURRENCY",
    "DIFFERS",
    "IMPORTED",
    "MAX_CONCURRENCY",
    "MAX_FILE_BYTES",
    "MEGABYTE",
    "MERGED",
    "OPTIONAL_COLUMNS",
    "RECORDED_ON_ASSUMED",
    "REJECTED",
    "TRS_BEHIND",
    "TRY_AGAIN",
    "UNCHANGED",
    "ImportAborted",
    "ImportFile",
    "ImportFileError",
    "ImportResult",
    "ReportEntry",
    "Row",
    "import_inductions",
    "plural",
    "read_import_file",
    "write_report",
]
