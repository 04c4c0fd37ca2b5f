"""Registries: 一单两库 (check items, targets, inspectors), expert pools, interest declarations.

Modules: ``models`` (tables), ``repository`` (queries), ``service`` (departments, check items,
targets, inspectors, declarations), ``experts`` (pools and the expert life cycle), ``imports`` /
``exports`` (CSV/XLSX files), pure cores ``uscc``, ``identity``, ``fields``, ``records``,
``expert_rules``, ``vocab``, ``rules``. Spec: docs/specs/registries.md.
"""
