"""Read one rules file into elements, reporting every error with its line; pure (lxml only).

The walk checks the whole structure itself (unknown or repeated elements, attributes,
values, name/pattern, regular expressions, formulas) because libxml2's schema validation
stops at the first content error of an element; the schema pass then runs as the
authority and reports anything the walk did not explain (schema.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from lxml import etree

from supvisors_ext.model import (
    DistributionRules,
    RunningFailureStrategies,
    StartingFailureStrategies,
    StartingStrategies,
)
from supvisors_ext.rules.elements import (
    AliasElement,
    ApplicationElement,
    ApplicationFields,
    FileContent,
    ProgramElement,
    ProgramFields,
)
from supvisors_ext.rules.errors import IssueLog, Location
from supvisors_ext.rules.identifiers import split_items
from supvisors_ext.rules.schema import check_schema
from supvisors_ext.rules.values import APPLICATION_LEAVES, PROGRAM_LEAVES, Leaves, ValueType

_SELECTORS = ("name", "pattern")
_ROOT_CHILDREN = ("alias", "model", "application")
# lxml appends the position to its message; we report it in our own format
_POSITION_SUFFIX = re.compile(r", line \d+, column \d+$")


def read_file(path: str, log: IssueLog) -> FileContent:
    """Parse, walk and validate one file; errors and warnings go to `log`."""
    tree = _parse(path, log)
    if tree is None:
        return FileContent()
    content = _Walker(path, tree, log).read_root()
    check_schema(tree, path, log)
    return content


def _parse(path: str, log: IssueLog) -> etree._ElementTree | None:
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError as exc:
        log.error(Location(path, 0), f"cannot read the file: {exc.strerror or exc}")
        return None
    # a rules file is configuration, not a document: no entity expansion, no network access
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser, base_url=path)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        message = _POSITION_SUFFIX.sub("", exc.msg)
        log.error(Location(path, line), f"XML not well formed: {message}", column)
        return None
    return root.getroottree()


def _line(element: etree._Element) -> int:
    return element.sourceline or 0


class _Walker:
    """Walks one parsed file; one method per element kind."""

    def __init__(self, path: str, tree: etree._ElementTree, log: IssueLog) -> None:
        self._path = path
        self._tree = tree
        self._log = log

    def _where(self, element: etree._Element) -> Location:
        return Location(self._path, _line(element))

    def _error(self, element: etree._Element, message: str) -> None:
        self._log.error(self._where(element), message, xpath=self._tree.getpath(element))

    def read_root(self) -> FileContent:
        root = self._tree.getroot()
        if root.tag != "root":
            self._error(root, f"the root element is '{root.tag}', expected 'root'")
            return FileContent()
        self._check_attributes(root, ())
        aliases: list[AliasElement] = []
        models: list[ProgramElement] = []
        applications: list[ApplicationElement] = []
        for child in self._children(root, _ROOT_CHILDREN, repeatable=True):
            # an element that cannot be used (error or ignored) comes back as None
            if child.tag == "alias":
                alias = self._read_alias(child)
                if alias is not None:
                    aliases.append(alias)
            elif child.tag == "model":
                model = self._read_model(child)
                if model is not None:
                    models.append(model)
            else:
                application = self._read_application(child)
                if application is not None:
                    applications.append(application)
        return FileContent(tuple(aliases), tuple(models), tuple(applications))

    # generic checks
    def _check_attributes(
        self, element: etree._Element, allowed: Collection[str], required: Collection[str] = ()
    ) -> None:
        allowed_text = ", ".join(allowed) if allowed else "none"
        for attribute in element.attrib:
            if attribute not in allowed:
                self._error(
                    element,
                    f"element '{element.tag}': attribute '{attribute}' is not allowed "
                    f"(allowed: {allowed_text})",
                )
        for attribute in required:
            if attribute not in element.attrib:
                self._error(element, f"element '{element.tag}': attribute '{attribute}' is missing")

    def _children(
        self, element: etree._Element, allowed: Collection[str], repeatable: bool
    ) -> list[etree._Element]:
        """The valid child elements; unknown, repeated children and text are errors."""
        self._check_no_text(element)
        valid: list[etree._Element] = []
        seen: set[str] = set()
        for child in element.iterchildren(tag=etree.Element):
            tag = child.tag
            if tag not in allowed:
                self._error(
                    child,
                    f"element '{tag}' is not allowed in '{element.tag}' "
                    f"(allowed: {', '.join(allowed)})",
                )
            elif tag in seen and not repeatable:
                self._error(child, f"element '{tag}' appears more than once in '{element.tag}'")
            else:
                seen.add(tag)
                valid.append(child)
        return valid

    def _check_no_text(self, element: etree._Element) -> None:
        texts = [element.text] + [child.tail for child in element]
        text = " ".join(part.strip() for part in texts if part and part.strip())
        if text:
            self._error(element, f"element '{element.tag}': text {text!r} is not allowed here")

    def _leaf_text(self, element: etree._Element) -> str | None:
        """Trimmed text of a value element; None (and an error) if it holds elements."""
        child = next(element.iterchildren(tag=etree.Element), None)
        if child is not None:
            self._error(
                element, f"element '{element.tag}': child element '{child.tag}' is not allowed"
            )
            return None
        return "".join(element.itertext()).strip()

    def _read_leaves(
        self,
        element: etree._Element,
        leaves: Mapping[str, ValueType],
        containers: Collection[str] = (),
    ) -> tuple[Leaves, dict[str, etree._Element]]:
        """Convert the value children; also return every valid child by tag."""
        values: dict[str, object] = {}
        children = self._children(element, [*leaves, *containers], repeatable=False)
        for child in children:
            value_type = leaves.get(child.tag)
            text = self._leaf_text(child) if value_type is not None else None
            if value_type is None or text is None:
                continue
            try:
                values[child.tag] = value_type.convert(text)
            except ValueError as exc:
                self._error(child, f"element '{child.tag}': {exc}")
        return Leaves(values), {child.tag: child for child in children}

    def _read_selector(
        self, element: etree._Element
    ) -> tuple[str | None, str | None, re.Pattern[str] | None, bool]:
        """The name or pattern of an application or program; False when unusable."""
        name, pattern = element.get("name"), element.get("pattern")
        if (name is None) == (pattern is None):
            problem = "has both" if name is not None else "needs one of"
            self._error(
                element,
                f"element '{element.tag}' {problem} the attributes 'name' and 'pattern' "
                "(exactly one is required)",
            )
            return name, pattern, None, False
        if name is not None:
            return name.strip(), None, None, True
        try:
            return None, pattern, re.compile(pattern or ""), True
        except re.error as exc:
            self._error(
                element,
                f"element '{element.tag}': invalid regular expression {pattern!r}: {exc}",
            )
            return None, pattern, None, False

    # element kinds
    def _read_alias(self, element: etree._Element) -> AliasElement | None:
        self._check_attributes(element, ("name",), required=("name",))
        text = self._leaf_text(element)
        name = element.get("name")
        if name is None or text is None:
            return None
        items = split_items(text)
        if not items:
            self._log.warning(self._where(element), f"alias '{name}' is empty: it is ignored")
            return None
        return AliasElement(self._where(element), name.strip(), items)

    def _read_program_like(
        self,
        element: etree._Element,
        name: str | None,
        pattern: str | None,
        regex: re.Pattern[str] | None,
    ) -> ProgramElement:
        leaves, children = self._read_leaves(element, PROGRAM_LEAVES)
        reference = leaves.text("reference")
        reference_child = children.get("reference")
        return ProgramElement(
            where=self._where(element),
            name=name,
            pattern=pattern,
            regex=regex,
            reference=reference,
            reference_where=self._where(reference_child) if reference_child is not None else None,
            fields=ProgramFields(
                identifiers=leaves.items("identifiers"),
                start_sequence=leaves.integer("start_sequence"),
                stop_sequence=leaves.integer("stop_sequence"),
                required=leaves.boolean("required"),
                wait_exit=leaves.boolean("wait_exit"),
                expected_loading=leaves.integer("expected_loading"),
                starting_failure_strategy=leaves.enum(
                    "starting_failure_strategy", StartingFailureStrategies
                ),
                running_failure_strategy=leaves.enum(
                    "running_failure_strategy", RunningFailureStrategies
                ),
            ),
        )

    def _read_model(self, element: etree._Element) -> ProgramElement | None:
        self._check_attributes(element, _SELECTORS)
        name = (element.get("name") or "").strip()
        pattern = element.get("pattern")
        where = self._where(element)
        model = self._read_program_like(element, name, None, None)
        if not name:
            self._log.warning(where, "model without 'name' is ignored")
            return None
        if pattern is not None:
            self._log.warning(where, f"attribute 'pattern' of model '{name}' is ignored")
        return model

    def _read_program(self, element: etree._Element) -> ProgramElement | None:
        self._check_attributes(element, _SELECTORS)
        name, pattern, regex, usable = self._read_selector(element)
        program = self._read_program_like(element, name, pattern, regex)
        return program if usable else None

    def _read_application(self, element: etree._Element) -> ApplicationElement | None:
        self._check_attributes(element, _SELECTORS)
        name, pattern, regex, usable = self._read_selector(element)
        leaves, children = self._read_leaves(element, APPLICATION_LEAVES, ("programs",))
        programs: list[ProgramElement] = []
        container = children.get("programs")
        if container is not None:
            self._check_attributes(container, ())
            for child in self._children(container, ("program",), repeatable=True):
                program = self._read_program(child)
                if program is not None:
                    programs.append(program)
        if not usable:
            return None
        return ApplicationElement(
            where=self._where(element),
            name=name,
            pattern=pattern,
            regex=regex,
            fields=ApplicationFields(
                distribution=leaves.enum("distribution", DistributionRules),
                identifiers=leaves.items("identifiers"),
                start_sequence=leaves.integer("start_sequence"),
                stop_sequence=leaves.integer("stop_sequence"),
                starting_strategy=leaves.enum("starting_strategy", StartingStrategies),
                starting_failure_strategy=leaves.enum(
                    "starting_failure_strategy", StartingFailureStrategies
                ),
                running_failure_strategy=leaves.enum(
                    "running_failure_strategy", RunningFailureStrategies
                ),
                operational_status=leaves.formula("operational_status"),
            ),
            programs=tuple(programs),
        )
