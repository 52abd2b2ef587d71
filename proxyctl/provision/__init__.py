"""Spec (answers, validated) -> Plan (pure) -> apply (with an undo journal) and export."""
