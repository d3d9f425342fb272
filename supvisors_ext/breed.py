"""`supvisors_breed`: duplicate template `[group:x]` sections X times (docs/cli.md#supvisors_breed).

This module does the file I/O around the pure plan of `breedplan`: find and parse the template
files, check the destination, write the result. It imports neither supervisor nor zmq.
"""

from __future__ import annotations

import argparse
import configparser
import glob
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from supvisors_ext.tools.breedplan import (
    IniFile,
    Plan,
    Section,
    make_plan,
    parse_breed_item,
    serialize,
)

EXIT_OK, EXIT_FAILURE = 0, 1


class BreedAction(argparse.Action):
    """Collect `app=nb` items of one or several `-b` options into one ordered dict."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[no-untyped-def]
        breed = dict(getattr(namespace, self.dest) or {})
        for value in values:
            try:
                name, count = parse_breed_item(value)
            except ValueError as exc:
                parser.error(f"argument -b/--breed: {exc}")
            breed[name] = count
        setattr(namespace, self.dest, breed)


def existing_folder(value: str) -> str:
    if not os.path.isdir(value):
        raise argparse.ArgumentTypeError(f'The folder "{value}" does not exist')
    return value


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supvisors_breed",
        description="Duplicate the [group:x] sections of a template configuration.",
    )
    parser.add_argument(
        "-t", "--template", required=True, type=existing_folder,
        help="existing folder holding the template configuration",
    )  # fmt: skip
    parser.add_argument(
        "-p", "--pattern", default="**/*.ini",
        help="glob of the files to read, relative to TEMPLATE (default **/*.ini)",
    )  # fmt: skip
    parser.add_argument(
        "-d", "--destination", required=True,
        help="output folder, relative to the current directory (created if missing)",
    )  # fmt: skip
    parser.add_argument(
        "-b", "--breed", required=True, nargs="+", action=BreedAction, metavar="app=nb",
        help="groups to duplicate and how many copies (nb a positive integer)",
    )  # fmt: skip
    parser.add_argument(
        "-x", "--extra", action="store_true", help="write each new group into its own new file"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print what is done")
    return parser


def describe(args: argparse.Namespace) -> str:
    """The parsed arguments, attributes sorted by name (docs/cli.md#supvisors_breed's first verbose
    line)."""
    pairs = ", ".join(f"{key}={value!r}" for key, value in sorted(vars(args).items()))
    return f"ArgumentParser: Namespace({pairs})"


def find_files(template: str, pattern: str) -> list[str]:
    """POSIX paths relative to the template folder, sorted."""
    found = glob.glob(pattern, root_dir=template, recursive=True)
    paths = [path for path in found if os.path.isfile(os.path.join(template, path))]
    return sorted(Path(path).as_posix() for path in paths)


def read_file(template: str, path: str) -> IniFile:
    """Parse one file as INI without interpolation; configparser.Error or OSError if invalid."""
    parser = configparser.RawConfigParser(default_section="\0none", strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    full_path = os.path.join(template, path)
    with open(full_path, encoding="utf-8") as stream:
        parser.read_file(stream, source=full_path)
    sections = tuple(
        Section(name, tuple(parser.items(name, raw=True))) for name in parser.sections()
    )
    return IniFile(path, sections)


def inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_destination(args: argparse.Namespace, plan: Plan) -> str | None:
    """An error message when a write would land in the template folder or cannot be done."""
    template = Path(args.template).resolve()
    destination = Path(args.destination).resolve()
    if inside(destination, template) or any(
        inside((destination / ini.path).resolve(), template) for ini in plan.files
    ):
        return f'destination "{args.destination}" would overwrite the template folder'
    try:
        destination.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f'cannot create destination "{args.destination}": {exc.strerror}'
    if not os.access(destination, os.W_OK | os.X_OK):
        return f'destination "{args.destination}" is not writable'
    return None


def write_plan(args: argparse.Namespace, plan: Plan) -> None:
    for ini in plan.files:
        if not ini.sections:
            report(args, f"Empty sections for file: {ini.path}")
            continue
        target = os.path.join(args.destination, ini.path)
        report(args, f"Writing file: {target}")
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        with open(target, "w", encoding="utf-8") as stream:
            stream.write(serialize(ini))


def report(args: argparse.Namespace, line: str) -> None:
    if args.verbose:
        print(line)


def error(message: str) -> int:
    print(f"Error: {message}", file=sys.stderr)
    return EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; 0 success, 1 failure (nothing found, unknown group, I/O), 2 usage."""
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    report(args, describe(args))
    paths = find_files(args.template, args.pattern)
    if not paths:
        return error("No configuration files found")
    report(args, "Configuration files found:")
    for path in paths:
        report(args, f"\t{path}")
    templates = []
    for path in paths:
        try:
            templates.append(read_file(args.template, path))
        except (configparser.Error, OSError, UnicodeDecodeError) as exc:
            message = " ".join(str(exc).split())
            return error(f"{os.path.join(args.template, path)}: {message}")
    plan = make_plan(templates, args.breed, args.extra)
    for line in plan.lines:
        report(args, line)
    problem = check_destination(args, plan)
    if problem:
        return error(problem)
    try:
        write_plan(args, plan)
    except OSError as exc:
        return error(f"{exc.filename}: {exc.strerror}")
    for application in plan.missing:
        print(f"Error: Template group [group:{application}] not found", file=sys.stderr)
    return EXIT_FAILURE if plan.missing else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
