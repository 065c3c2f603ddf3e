# SPDX-License-Identifier: AGPL-3.0-or-later
"""The signing key (docs/ARCHITECTURE.md, Trust boundaries): created 0600, public key beside it in
minisign's format, kept across restarts."""
import base64
import hashlib
import shutil
import stat
import subprocess

import pytest


def read_pub(path):
    lines = path.read_text("ascii").splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("untrusted comment: minisign public key "), lines[0]
    raw = base64.b64decode(lines[1], validate=True)
    assert len(raw) == 42 and raw[:2] == b"Ed", raw
    return lines[0], raw[2:10], raw[10:]


def read_secret(path):
    lines = path.read_text("ascii").splitlines()
    assert len(lines) == 2 and lines[0].startswith("untrusted comment: "), lines
    raw = base64.b64decode(lines[1], validate=True)
    # sig_alg, kdf_alg, chk_alg, salt, opslimit, memlimit, keynum, sk, chk
    assert len(raw) == 2 + 2 + 2 + 32 + 8 + 8 + 8 + 64 + 32
    return raw


def test_the_key_is_created_with_mode_0600_and_a_minisign_public_key_beside_it(spawn):
    srv = spawn().start()
    assert srv.key.exists()
    assert stat.S_IMODE(srv.key.stat().st_mode) == 0o600
    pub = srv.key.with_suffix(".pub")  # minisign's naming: concerto.key -> concerto.pub
    comment, keynum, pk = read_pub(pub)
    # minisign writes the key id as a 64-bit little-endian number in upper-case hex.
    key_id = comment.rsplit(" ", 1)[1]
    assert int(key_id, 16) == int.from_bytes(keynum, "little")
    assert key_id == key_id.upper()

    raw = read_secret(srv.key)
    assert raw[:2] == b"Ed" and raw[4:6] == b"B2"
    assert raw[2:4] == b"\0\0", "an unencrypted key (minisign -W)"
    sk_keynum, sk, chk = raw[54:62], raw[62:126], raw[126:]
    assert sk_keynum == keynum
    assert sk[32:] == pk, "the public key is the second half of the Ed25519 secret key"
    assert chk == hashlib.blake2b(raw[:2] + sk_keynum + sk, digest_size=32).digest()


def test_the_key_is_kept_across_restarts(spawn):
    srv = spawn().start()
    pub = srv.key.with_suffix(".pub")  # minisign's naming: concerto.key -> concerto.pub
    before = (srv.key.read_bytes(), pub.read_bytes())
    srv.restart()
    assert (srv.key.read_bytes(), pub.read_bytes()) == before
    assert stat.S_IMODE(srv.key.stat().st_mode) == 0o600


@pytest.mark.skipif(shutil.which("minisign") is None, reason="minisign not installed")
def test_stock_minisign_derives_the_same_public_key_from_the_secret_key(spawn, tmp_path):
    srv = spawn().start()
    out = tmp_path / "derived.pub"
    r = subprocess.run(["minisign", "-R", "-s", str(srv.key), "-p", str(out)],
                       capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    pub = srv.key.with_suffix(".pub")  # minisign's naming: concerto.key -> concerto.pub
    assert read_pub(out)[1:] == read_pub(pub)[1:]
