"""Where the draw record's PDF renderer used to live; it is :mod:`drawsvc.tasks.record.pdf` now.

Kept so that existing imports (tests, scripts) keep working; new code imports the package module.
"""

from drawsvc.tasks.record.pdf import (
    FONT_CANDIDATES,
    FONT_PACKAGE,
    PROBE_TEXT,
    CjkFont,
    CjkFontMissing,
    find_cjk_font,
    layout,
    pick_face,
    render_pdf,
)

__all__ = [
    "FONT_CANDIDATES",
    "FONT_PACKAGE",
    "PROBE_TEXT",
    "CjkFont",
    "CjkFontMissing",
    "find_cjk_font",
    "layout",
    "pick_face",
    "render_pdf",
]
