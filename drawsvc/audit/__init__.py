"""The discipline office's audit of a published log (issue 18); see docs/audit.md."""
