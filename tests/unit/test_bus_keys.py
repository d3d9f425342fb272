"""Bus key files (keys.py), their options (config.py) and `supvisors_keygen` (keygen.py)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from supvisors_ext.config import ConfigError, parse_config
from supvisors_ext.keys import KeyFileError, load_bus_keys, read_key_file
from supvisors_ext.tools import keygen
from tests.unit.test_config import make_host

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.9 and 3.10: the same parser from PyPI (test extra)
    import tomli as tomllib

TRIO = "<a>127.0.0.1:61000,<b>127.0.0.1:62000,<c>127.0.0.1:63000"
A, B, C = "127.0.0.1:61000", "127.0.0.1:62000", "127.0.0.1:63000"


@pytest.fixture
def keydir(tmp_path: Path) -> Path:
    """`secrets/` holds pairs a, b, c; `public/` holds the public keys of b and c."""
    secrets, public = tmp_path / "secrets", tmp_path / "public"
    secrets.mkdir()
    public.mkdir()
    assert keygen.main(["-d", str(secrets), "a", "b", "c"]) == 0
    for nick in "bc":
        (public / f"{nick}.key").write_bytes((secrets / f"{nick}.key").read_bytes())
    return tmp_path


def parse_a(**options: str):  # type: ignore[no-untyped-def]
    options = {"supvisors_list": TRIO, "synchro_options": "STRICT", **options}
    return parse_config(options, make_host(identifier="a"))


def key_options(root: Path, **changes: str) -> dict[str, str]:
    options = {
        "bus_secret_key_file": str(root / "secrets" / "a.key_secret"),
        "bus_public_keys_dir": str(root / "public"),
    }
    return {**options, **changes}


def test_keygen_writes_a_private_secret_and_a_public_key(keydir: Path) -> None:
    secret = keydir / "secrets" / "a.key_secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    public, pair_secret = read_key_file(str(secret), secret=True)
    assert read_key_file(str(keydir / "secrets" / "a.key"), secret=False) == (public, None)
    assert pair_secret is not None and len(pair_secret) == 40


def test_keygen_keeps_existing_files_unless_forced(
    keydir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = keydir / "secrets" / "a.key_secret"
    before = secret.read_bytes()
    assert keygen.main(["-d", str(keydir / "secrets"), "a"]) == 1
    assert "exists (use --force" in capsys.readouterr().err
    assert secret.read_bytes() == before
    assert keygen.main(["-d", str(keydir / "secrets"), "--force", "a"]) == 0
    assert secret.read_bytes() != before


def test_keygen_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert keygen.main([]) == 2
    assert "Error: the following arguments are required" in capsys.readouterr().err
    assert keygen.main(["-d", str(tmp_path), "../x"]) == 2
    assert keygen.main(["-d", str(tmp_path / "missing"), "a"]) == 1
    assert "No such file or directory" in capsys.readouterr().err


def test_keys_are_loaded_per_peer_nick(keydir: Path) -> None:
    keys = parse_a(**key_options(keydir)).config.bus_keys
    assert keys is not None
    assert keys.key_of(B) == read_key_file(str(keydir / "public" / "b.key"), secret=False)[0]
    assert keys.key_of(A) is None
    assert len(keys.allowed_keys) == 2 and keys.missing == ()
    assert "secret_key" not in repr(keys)  # never printed


def test_plain_bus_when_no_key_option(keydir: Path) -> None:
    parsed = parse_a()
    assert parsed.config.bus_keys is None
    assert parsed.warnings == ()


def test_a_listed_peer_without_public_key_is_a_warning(keydir: Path) -> None:
    (keydir / "public" / "c.key").unlink()
    parsed = parse_a(**key_options(keydir))
    assert parsed.config.bus_keys is not None
    assert parsed.config.bus_keys.missing == (C,)
    assert parsed.warnings == (
        f"bus_public_keys_dir: no c.key in {keydir / 'public'}: {C} cannot join this"
        " instance's bus",
    )


def test_here_is_expanded(keydir: Path) -> None:
    host = make_host(identifier="a", here=str(keydir))
    options = {
        "supvisors_list": TRIO,
        "bus_secret_key_file": "%(here)s/secrets/a.key_secret",
        "bus_public_keys_dir": "%(here)s/public",
    }
    assert parse_config(options, host).config.bus_keys is not None


@pytest.mark.parametrize(
    ("given", "needed"),
    [
        ("bus_secret_key_file", "bus_public_keys_dir"),
        ("bus_public_keys_dir", "bus_secret_key_file"),
    ],
)
def test_both_options_are_required(keydir: Path, given: str, needed: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_a(**{given: key_options(keydir)[given]})
    assert info.value.option == needed
    assert str(info.value) == (
        f"[rpcinterface:supvisors] {needed}: required when {given} is set (CURVE needs both)"
    )


def _error(keydir: Path, **changes: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_a(**key_options(keydir, **changes))
    return info.value


def test_missing_secret_file(keydir: Path) -> None:
    path = str(keydir / "nope.key_secret")
    error = _error(keydir, bus_secret_key_file=path)
    assert error.option == "bus_secret_key_file"
    assert str(error) == (
        f"[rpcinterface:supvisors] bus_secret_key_file: {path}: cannot read: No such file or"
        " directory"
    )


def test_public_file_given_as_secret_file(keydir: Path) -> None:
    path = str(keydir / "secrets" / "a.key")
    error = _error(keydir, bus_secret_key_file=path)
    assert error.option == "bus_secret_key_file"
    assert f"{path}: no secret-key" in str(error)


def test_secret_file_in_the_public_folder(keydir: Path) -> None:
    leaked = keydir / "public" / "a.key"
    leaked.write_bytes((keydir / "secrets" / "a.key_secret").read_bytes())
    error = _error(keydir)
    assert error.option == "bus_public_keys_dir"
    assert f"{leaked}: holds a secret key" in str(error)


def test_missing_public_folder(keydir: Path) -> None:
    path = str(keydir / "none")
    error = _error(keydir, bus_public_keys_dir=path)
    assert error.option == "bus_public_keys_dir"
    assert f"{path}: cannot list the folder" in str(error)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", 'no public-key = "..." line'),
        (b'curve\n    public-key = "short"\n', "public-key is not a 40-character Z85 CURVE key"),
        (b'public-key = "' + b" " * 40 + b'"\n', "not a 40-character Z85"),
        (b'public-key = "' + b"a" * 40 + b'"\npublic-key = "x"\n', "public-key given twice"),
        (b"\xff\xfe binary", "not a text file"),
        (b"#" * 70000, "larger than 65536 bytes"),
    ],
)
def test_malformed_public_key_files(keydir: Path, content: bytes, reason: str) -> None:
    bad = keydir / "public" / "b.key"
    bad.write_bytes(content)
    error = _error(keydir)
    assert error.option == "bus_public_keys_dir"
    assert str(bad) in str(error) and reason in str(error)


def test_bad_secret_key_value(keydir: Path) -> None:
    path = keydir / "secrets" / "a.key_secret"
    text = path.read_text()
    path.write_text(text.replace('secret-key = "', 'secret-key = "~'))
    error = _error(keydir)
    assert error.option == "bus_secret_key_file"
    assert "secret-key is not a 40-character Z85 CURVE key" in str(error)


def test_key_file_error_attributes() -> None:
    error = KeyFileError("/x", "bad")
    assert (error.path, error.reason, str(error)) == ("/x", "bad", "/x: bad")


def test_unknown_key_files_are_ignored_and_keys_are_per_nick(keydir: Path) -> None:
    (keydir / "public" / "README").write_text("not a key")
    keys = load_bus_keys(
        str(keydir / "secrets" / "a.key_secret"), str(keydir / "public"), [(B, "b"), (C, "zz")]
    )
    assert keys.missing == (C,)
    assert keys.key_of(B) is not None


def test_config_and_keys_stay_free_of_zmq_and_supervisor() -> None:
    code = (
        "import sys, supvisors_ext.config, supvisors_ext.keys\n"
        "print(sorted({'zmq', 'supervisor'} & {*sys.modules}))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "[]", out.stderr


def test_keygen_is_declared_as_a_console_script() -> None:
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    scripts = tomllib.loads(pyproject.read_text())["project"]["scripts"]
    assert scripts["supvisors_keygen"] == "supvisors_ext.tools.keygen:main"


def test_discovery_with_keys_warns_that_only_listed_peers_can_join(keydir: Path) -> None:
    parsed = parse_a(**key_options(keydir), multicast_group="239.0.0.1:61234")
    assert parsed.config.multicast is not None and parsed.config.bus_keys is not None
    assert parsed.warnings[-1] == (
        "multicast_group: with CURVE keys, a discovered instance cannot join the bus"
        " (only the peers of supvisors_list have a key): list every instance"
    )
