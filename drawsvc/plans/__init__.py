"""Annual plans (年度抽查计划): a department's check items for a year (docs/specs/plans.md)."""
