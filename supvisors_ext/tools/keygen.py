"""`supvisors_keygen`: create the CURVE key pairs of the bus (docs/security.md).

    supvisors_keygen [--dir DIR] [--force] NICK [NICK ...]

For each nick, writes `DIR/NICK.key` (the public key: copy it into the `bus_public_keys_dir`
of every instance) and `DIR/NICK.key_secret` (the key pair, mode 0600: it stays on the instance
and is named by its `bus_secret_key_file`). Existing files are kept unless `--force`.
Exit status: 0 done, 1 a file could not be written, 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import zmq

from supvisors_ext.keys import PUBLIC_SUFFIX, SECRET_SUFFIX

_SECRET_BANNER = (
    "#   ZeroMQ CURVE **Secret** Certificate of the supvisors bus, instance {nick}\n"
    "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n\n"
)
_PUBLIC_BANNER = (
    "#   ZeroMQ CURVE Public Certificate of the supvisors bus, instance {nick}\n"
    "#   Copy it into the bus_public_keys_dir of every instance.\n\n"
)


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


def _write(path: str, text: str, mode: int, force: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    fd = os.open(path, flags, mode)
    with os.fdopen(fd, "w", encoding="ascii") as stream:
        os.fchmod(stream.fileno(), mode)  # umask or an older file may have set other bits
        stream.write(text)


def create_key_pair(folder: str, nick: str, force: bool = False) -> tuple[str, str]:
    """Write NICK.key and NICK.key_secret in `folder`; return their paths (OSError on failure)."""
    if not nick or "/" in nick or nick in (".", ".."):
        raise ValueError(f"invalid nick {nick!r} for a file name")
    public_key, secret_key = zmq.curve_keypair()
    public_path = os.path.join(folder, nick + PUBLIC_SUFFIX)
    secret_path = os.path.join(folder, nick + SECRET_SUFFIX)
    for path in (secret_path, public_path) if not force else ():
        if os.path.lexists(path):  # checked first: never leave a new secret with an old public
            raise FileExistsError(17, "File exists", path)
    public_line = f'    public-key = "{public_key.decode()}"\n'
    _write(
        secret_path,
        _SECRET_BANNER.format(nick=nick)
        + "metadata\ncurve\n"
        + public_line
        + f'    secret-key = "{secret_key.decode()}"\n',
        0o600,
        force,
    )
    public_text = _PUBLIC_BANNER.format(nick=nick) + "metadata\ncurve\n" + public_line
    _write(public_path, public_text, 0o644, force)
    return public_path, secret_path


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
