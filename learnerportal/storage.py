"""What the file storage raises when it cannot give a file, whichever storage ``STORAGES["default"]`` is."""

from botocore.exceptions import BotoCoreError, ClientError

#: S3-compatible storage unreachable (no answer, a timeout) or refusing (wrong credentials, the
#: bucket gone, its own fault): the process's surroundings, answered 503 like an unreachable database.
STORAGE_UNAVAILABLE = (BotoCoreError, ClientError)
#: The above, and ``OSError``: a file missing (django-storages raises ``FileNotFoundError`` for an
#: object that is not in the bucket too) or the media directory not mounted.
STORAGE_ERRORS = (OSError, *STORAGE_UNAVAILABLE)
