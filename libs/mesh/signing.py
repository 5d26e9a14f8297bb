"""Ed25519 keys per principal, the trust file of public keys, signing and verification."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from govmesh.mesh.errors import ConfigurationError, Rejected
from govmesh.schemas import Envelope, Principal
from govmesh.schemas.envelope import signed_bytes_of_wire

TRUST_FILE = "trust.json"


def _private_path(directory: Path, principal: Principal) -> Path:
    return directory / f"{principal.value}.key"


def generate_keys(directory: Path, principals: list[Principal] | None = None) -> Path:
    """Create a private key per principal (mode 0600) and the trust file; keep existing keys."""
    directory.mkdir(parents=True, exist_ok=True)
    trust: dict[str, str] = {}
    for principal in principals or list(Principal):
        path = _private_path(directory, principal)
        if path.exists():
            key = _load_private(path)
        else:
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            path.write_bytes(pem)
            path.chmod(0o600)
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        trust[principal.value] = base64.b64encode(raw).decode()
    trust_path = directory / TRUST_FILE
    trust_path.write_text(json.dumps(trust, indent=2, sort_keys=True) + "\n")
    return trust_path


def _load_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} is not an Ed25519 private key")
    return key


@dataclass(frozen=True)
class Signer:
    principal: Principal
    key: Ed25519PrivateKey

    @classmethod
    def load(cls, directory: Path, principal: Principal) -> Signer:
        path = _private_path(directory, principal)
        if not path.exists():
            raise ConfigurationError(
                f"no signing key for principal {principal.value!r} at {path}; "
                "run `govmesh keys init DIR`"
            )
        return cls(principal, _load_private(path))

    def sign(self, envelope: Envelope) -> Envelope:
        if envelope.producer != self.principal:
            raise ConfigurationError(
                f"signer {self.principal.value!r} cannot sign for {envelope.producer.value!r}"
            )
        signed = envelope.signing_bytes()
        signature = base64.b64encode(self.key.sign(signed)).decode()
        return envelope.model_copy(update={"signature": signature}).with_signed_bytes(signed)


@dataclass(frozen=True)
class TrustStore:
    """Public keys of every principal a consumer accepts messages from."""

    keys: dict[str, Ed25519PublicKey]

    @classmethod
    def load(cls, directory: Path) -> TrustStore:
        path = directory / TRUST_FILE
        if not path.exists():
            raise ConfigurationError(f"no trust file at {path}; run `govmesh keys init DIR`")
        raw: dict[str, str] = json.loads(path.read_text())
        return cls(
            {
                name: Ed25519PublicKey.from_public_bytes(base64.b64decode(b))
                for name, b in raw.items()
            }
        )

    def verify(self, envelope: Envelope, raw: bytes | None = None) -> None:
        """Raise `Rejected` unless the envelope is signed by its claimed producer's trusted key.

        `raw` is the wire form it was parsed from; when given, the signed bytes are
        taken from it instead of re-encoding the envelope.
        """
        producer = envelope.producer.value
        if envelope.signature is None:
            raise Rejected(
                "signature", "missing_signature", "the envelope carries no signature", producer
            )
        key = self.keys.get(producer)
        if key is None:
            raise Rejected(
                "signature",
                "unknown_key",
                f"no trusted key for producer {producer!r} in the trust file",
                producer,
            )
        signed = signed_bytes_of_wire(raw, envelope.signature) if raw is not None else None
        try:
            signature = base64.b64decode(envelope.signature, validate=True)
            key.verify(signature, signed or envelope.signing_bytes())
        except (InvalidSignature, ValueError):
            raise Rejected(
                "signature",
                "bad_signature",
                f"signature does not verify with {producer!r}'s key",
                producer,
            ) from None
        if signed is not None:
            envelope.with_signed_bytes(signed)
