"""CURVE key pair files of the bus (docs/security.md): made here, read by `keys.py`.

`supvisors_keygen` (tools/keygen.py) is the command line over `create_key_pair`; the key pair
itself comes from ZeroMQ, so this lives in `net`, the only package that imports zmq.
"""

from __future__ import annotations

import os

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
