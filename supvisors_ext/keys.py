"""CURVE key files of the bus (docs/security.md): reading and checking them; pure (no zmq).

The files are ZeroMQ certificates in the ZPL format written by `supvisors_keygen` (the same
format as pyzmq's `zmq.auth.create_certificates`): `<name>.key` holds a public key,
`<name>.key_secret` holds the public and the secret key. Keys are kept as their 40-character
Z85 text (ASCII bytes), which is what zmq's CURVE socket options accept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from supvisors_ext.compat import SLOTS

Z85_ALPHABET = frozenset(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
)
KEY_LENGTH = 40  # a 32-byte CURVE key in Z85
PUBLIC_SUFFIX = ".key"
SECRET_SUFFIX = ".key_secret"
MAX_KEY_FILE_BYTES = 64 * 1024
_KEY_LINE_RE = re.compile(r'\s*(public-key|secret-key)\s*=\s*"([^"]*)"\s*')


class KeyFileError(ValueError):
    """A missing, unreadable or malformed key file (or keys folder)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, **SLOTS)
class BusKeys:
    """What CURVE needs on one instance: its key pair and the public keys it trusts."""

    public_key: bytes  # Z85, this instance's
    secret_key: bytes = field(repr=False)  # Z85, never logged
    peer_keys: tuple[tuple[str, bytes], ...]  # (instance identifier, its public key)
    allowed_keys: frozenset[bytes]  # every public key of the folder: who may subscribe to us
    missing: tuple[str, ...]  # identifiers of listed peers without a key file (they are refused)

    def key_of(self, identifier: str) -> bytes | None:
        """The public key of a listed peer, None when its file is missing."""
        return dict(self.peer_keys).get(identifier)


def _check_key(path: str, name: str, text: str) -> bytes:
    if len(text) != KEY_LENGTH or not set(text) <= Z85_ALPHABET:
        raise KeyFileError(path, f"{name} is not a {KEY_LENGTH}-character Z85 CURVE key")
    return text.encode("ascii")


def read_key_file(path: str, secret: bool) -> tuple[bytes, bytes | None]:
    """(public key, secret key) of a certificate file; the secret key is required iff `secret`."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:
        raise KeyFileError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise KeyFileError(path, f"larger than {MAX_KEY_FILE_BYTES} bytes: not a key file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise KeyFileError(path, "not a text file: not a key file") from None
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _KEY_LINE_RE.fullmatch(line)
        if match is not None:
            if match.group(1) in found:
                raise KeyFileError(path, f"{match.group(1)} given twice")
            found[match.group(1)] = match.group(2)
    if "public-key" not in found:
        raise KeyFileError(path, 'no public-key = "..." line (create keys with supvisors_keygen)')
    public = _check_key(path, "public-key", found["public-key"])
    if not secret:
        if "secret-key" in found:
            raise KeyFileError(path, "holds a secret key: only public keys belong in this folder")
        return public, None
    if "secret-key" not in found:
        raise KeyFileError(path, 'no secret-key = "..." line: this is not a secret key file')
    return public, _check_key(path, "secret-key", found["secret-key"])


def load_bus_keys(secret_file: str, public_dir: str, peers: Iterable[tuple[str, str]]) -> BusKeys:
    """Read this instance's key pair and the public keys folder.

    `peers` are the (identifier, nick) of the other listed instances: the key of a peer is
    `<public_dir>/<nick>.key`. Every `*.key` file of the folder is trusted (it may subscribe to
    this instance); a listed peer without a file is reported in `missing`. KeyFileError on a
    bad file or folder.
    """
    public_key, secret_key = read_key_file(secret_file, secret=True)
    assert secret_key is not None
    folder = Path(public_dir)
    try:
        files = sorted(item for item in folder.iterdir() if item.name.endswith(PUBLIC_SUFFIX))
    except OSError as exc:
        raise KeyFileError(public_dir, f"cannot list the folder: {exc.strerror or exc}") from None
    by_name = {item.name: read_key_file(str(item), secret=False)[0] for item in files}
    peer_keys: dict[str, bytes] = {}
    missing: list[str] = []
    for identifier, nick in peers:
        key = by_name.get(nick + PUBLIC_SUFFIX)
        if key is None:
            missing.append(identifier)
        else:
            peer_keys[identifier] = key
    return BusKeys(
        public_key=public_key,
        secret_key=secret_key,
        peer_keys=tuple(peer_keys.items()),
        allowed_keys=frozenset(by_name.values()),
        missing=tuple(missing),
    )
