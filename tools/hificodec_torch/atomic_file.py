"""Files written whole or not at all."""

import os


def write_atomic(path: str, write) -> None:
    """write(file_object) into path via a temporary file beside it and a
    rename, so a reader (a C program loading a model file meanwhile) or a
    crash never sees a half-written file; on an error the temporary file is
    removed and path is left as it was."""
    tmp = path + ".tmp"
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
