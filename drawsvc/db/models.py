"""Imports every model module so that ``Base.metadata`` knows all tables.

Each domain package adds one import line here for its ``models`` module.
"""

from __future__ import annotations

import drawsvc.calendar.models
import drawsvc.plans.models
import drawsvc.registries.models
import drawsvc.results.models
import drawsvc.tasks.models
import drawsvc.witness.models  # noqa: F401
from drawsvc.api import auth, idempotency  # noqa: F401  (api_keys, api_idempotency_keys)
from drawsvc.db.base import Base

__all__ = ["Base"]
