"""Makes the task tests' ``tasks_support`` importable here (import mode importlib)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tasks"))
