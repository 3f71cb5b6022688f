"""What the file storage raises when it cannot give a file, whichever storage ``STORAGES["default"]`` is."""

from botocore.exceptions import BotoCoreError, ClientError

#: ``OSError``: a file missing (django-storages raises ``FileNotFoundError`` for an object that is not
#: in the bucket too) or a directory not mounted. botocore's: S3-compatible storage unreachable, or
#: refusing (wrong credentials, the bucket gone).
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)
