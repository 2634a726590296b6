"""Narrative drafts: facts from a Consolidation (context), wording from the form pack (render),
Word and Markdown writers, and ``draft_report`` tying them together for ``cchc draft``."""
