"""The notice to the firm (抽查告知书, docs/specs/notice.md): one printable page per drawn target."""
