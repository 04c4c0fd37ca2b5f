"""Where the draw record's QR module used to live; it is :mod:`drawsvc.tasks.record.qr` now.

Kept so that existing imports (tests, scripts) keep working; new code imports the package module.
"""

from drawsvc.tasks.record.qr import (
    QR_BORDER,
    QR_ERROR_LEVEL,
    QR_SCALE,
    check_task_id,
    make,
    png_bytes,
    png_data_uri,
    record_url,
    verify_url,
)

__all__ = [
    "QR_BORDER",
    "QR_ERROR_LEVEL",
    "QR_SCALE",
    "check_task_id",
    "make",
    "png_bytes",
    "png_data_uri",
    "record_url",
    "verify_url",
]
