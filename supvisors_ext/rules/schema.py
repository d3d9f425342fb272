"""Validation of a parsed rules file against the shipped XSD (rules.xsd); pure (lxml only)."""

from __future__ import annotations

import functools
import os
import re

from lxml import etree

from supvisors_ext.rules.errors import IssueLog, Location

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rules.xsd")

# libxml2 words its messages as "Element 'x': Some text." or "Element 'x', attribute 'y': ..."
_LIBXML_PREFIX = re.compile(r"^Element '([^']*)'")


@functools.cache
def load_schema() -> etree.XMLSchema:
    """The rules schema, parsed once per process (it is immutable)."""
    return etree.XMLSchema(etree.parse(SCHEMA_PATH))


def check_schema(tree: etree._ElementTree, path: str, log: IssueLog) -> None:
    """Validate `tree`; report each schema error that the walk did not already explain.

    The walk in reader.py gives readable messages and finds every error; the schema stays the
    authority, so a rejection the walk missed is still reported, in libxml2's words.
    """
    schema = load_schema()
    if schema.validate(tree):
        return
    for entry in schema.error_log:
        if log.is_flagged(path, entry.path or ""):
            continue
        message = _LIBXML_PREFIX.sub(r"element '\1'", entry.message.strip()).rstrip(".")
        log.error(Location(path, entry.line), message, entry.column, xpath=entry.path or "")
