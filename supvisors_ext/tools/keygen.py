"""`supvisors_keygen`: create the CURVE key pairs of the bus (docs/security.md).

    supvisors_keygen [--dir DIR] [--force] NICK [NICK ...]

For each nick, writes `DIR/NICK.key` (the public key: copy it into the `bus_public_keys_dir`
of every instance) and `DIR/NICK.key_secret` (the key pair, mode 0600: it stays on the instance
and is named by its `bus_secret_key_file`). Existing files are kept unless `--force`.
Exit status: 0 done, 1 a file could not be written, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from supvisors_ext.net.keypairs import create_key_pair


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="supvisors_keygen", description="Create CURVE key pairs for the supvisors bus."
    )
    parser.add_argument("nicks", nargs="+", metavar="NICK", help="instance nick (file name)")
    parser.add_argument("-d", "--dir", default=".", help="output folder (default: .)")
    parser.add_argument("-f", "--force", action="store_true", help="overwrite existing files")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `supvisors_keygen`; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
    except _UsageError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 2
    for nick in args.nicks:
        try:
            public_path, secret_path = create_key_pair(args.dir, nick, args.force)
        except ValueError as exc:
            sys.stderr.write(f"Error: {exc}\n")
            return 2
        except FileExistsError as exc:
            sys.stderr.write(f"Error: {exc.filename} exists (use --force to replace it)\n")
            return 1
        except OSError as exc:
            sys.stderr.write(f"Error: {exc.filename or args.dir}: {exc.strerror or exc}\n")
            return 1
        print(f"{nick}: public key {public_path}, secret key {secret_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
