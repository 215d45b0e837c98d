"""What keeps SQL inside the data: forbidden functions, privileged roles, size caps."""

from __future__ import annotations

import re
from typing import Any

# Admin, file and program functions: refused before they reach Postgres, as a second line
# behind a role without those rights.
FORBIDDEN = re.compile(
    r"\b(copy|pg_read_file|pg_read_binary_file|pg_ls_\w+|pg_stat_file|lo_\w+|"
    r"pg_terminate_backend|pg_cancel_backend|pg_reload_conf|pg_rotate_logfile|set_config|"
    r"dblink\w*|pg_promote|pg_file_\w+|pg_logdir_ls)\b",
    re.IGNORECASE,
)
PRIVILEGED_SQL = (
    "SELECT current_user, rolsuper"
    " OR pg_has_role(current_user, 'pg_execute_server_program', 'USAGE')"
    " OR pg_has_role(current_user, 'pg_read_server_files', 'USAGE')"
    " OR pg_has_role(current_user, 'pg_write_server_files', 'USAGE')"
    " OR pg_has_role(current_user, 'pg_signal_backend', 'USAGE')"
    " FROM pg_roles WHERE rolname = current_user"
)
MAX_CELL_CHARS = 10_000  # per cell, cut as each row is read: one row is held whole, no more
MAX_FILE_CHARS = 5_000_000  # per result: what the CSV file may hold


def without_literals(query: str) -> str:
    """Return the query with string literals and identifier quotes taken out."""
    return re.sub(r"'(?:[^']|'')*'", "''", query).replace('"', "")


def capped(value: Any) -> Any:
    """Return a cell as fetched, or cut to MAX_CELL_CHARS when it is longer."""
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        return value[:MAX_CELL_CHARS] + "…"
    if isinstance(value, bytes | bytearray | memoryview) and len(value) > MAX_CELL_CHARS:
        return bytes(value[:MAX_CELL_CHARS])
    return value
