"""The knowledge pack as typed objects: `model` (what it says), `loader` (the one reader, with
`families`, `symptoms`, `glossary`, `i18n` and `service` for the parts of the pack)."""
