"""The broker files generated from the topic registry are committed, in sync and correct
(ARCHITECTURE "Topics": ACLs are generated from the registry and checked to be in sync)."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from deploy import generate
from govmesh.schemas import Principal
from govmesh.schemas.topics import TOPICS
from tests.unit.deploy.support import ROOT, AclRow, expected_acls, registry_principals

pytestmark = pytest.mark.unit

SCRIPT = ROOT / generate.ACLS_SCRIPT


def script_commands(tool: str) -> list[list[str]]:
    """The arguments of every `<tool>` command in kafka-acls.sh, the topic prefix left empty."""
    commands = []
    for line in SCRIPT.read_text(encoding="utf-8").splitlines():
        if line.startswith(f'"$bin/{tool}"'):
            words = shlex.split(line.replace("${prefix}", ""))
            commands.append(words[2:])  # drop the tool and "${admin[@]}"
    return commands


def option_values(words: list[str], option: str) -> list[str]:
    return [words[i + 1] for i, w in enumerate(words) if w == option]


def test_committed_files_equal_a_fresh_generation() -> None:
    assert generate.stale_files(ROOT) == [], "run `python deploy/generate.py`"


def test_the_sync_check_names_an_edited_or_missing_file(tmp_path: Path) -> None:
    generate.write_files(tmp_path)
    assert generate.stale_files(tmp_path) == []
    users = tmp_path / generate.USERS_FILE
    users.write_text(users.read_text(encoding="utf-8").replace("Write", "Read"), encoding="utf-8")
    (tmp_path / generate.TOPICS_FILE).unlink()
    assert set(generate.stale_files(tmp_path)) == {generate.USERS_FILE, generate.TOPICS_FILE}
    assert generate.main(["--root", str(tmp_path), "--check"]) == 1
    assert generate.main(["--root", str(tmp_path)]) == 0
    assert generate.main(["--root", str(tmp_path), "--check"]) == 0


def test_topics_file_lists_every_registry_topic() -> None:
    data = yaml.safe_load((ROOT / generate.TOPICS_FILE).read_text(encoding="utf-8"))
    assert {t["name"]: (t["partitions"], t["cleanup"]) for t in data["topics"]} == {
        name: (spec.partitions, spec.cleanup) for name, spec in TOPICS.items()
    }


def test_users_file_acls_are_exactly_the_registry_rights() -> None:
    data = yaml.safe_load((ROOT / generate.USERS_FILE).read_text(encoding="utf-8"))
    rows = {
        (u["principal"], a["type"], a["name"], a["patternType"], op)
        for u in data["users"]
        for a in u["acls"]
        for op in a["operations"]
    }
    assert rows == expected_acls()


def test_script_creates_every_topic_with_its_partitions_and_cleanup_policy() -> None:
    created = {}
    for words in script_commands("kafka-topics.sh"):
        assert "--create" in words and "--if-not-exists" in words
        (topic,) = option_values(words, "--topic")
        (partitions,) = option_values(words, "--partitions")
        (config,) = option_values(words, "--config")
        created[topic] = (int(partitions), config)
    assert created == {
        name: (spec.partitions, f"cleanup.policy={spec.cleanup}") for name, spec in TOPICS.items()
    }


def test_script_creates_a_scram_user_per_principal_with_its_own_password() -> None:
    users = {}
    for words in script_commands("kafka-configs.sh"):
        assert option_values(words, "--entity-type") == ["users"]
        (name,) = option_values(words, "--entity-name")
        (config,) = option_values(words, "--add-config")
        users[name] = config
    assert set(users) == registry_principals() == {p.value for p in Principal}
    for name, config in users.items():
        var = f"KAFKA_PASSWORD_{name.upper()}"
        assert config == f"SCRAM-SHA-512=[password=${{{var}:?{var} is not set}}]"


def test_script_acls_are_exactly_the_registry_rights() -> None:
    rows: set[AclRow] = set()
    for words in script_commands("kafka-acls.sh"):
        assert "--add" in words and "--remove" not in words
        (principal,) = option_values(words, "--allow-principal")
        user = principal.removeprefix("User:")
        pattern = {"prefixed": "prefix"}.get(
            next(iter(option_values(words, "--resource-pattern-type")), "literal"), "literal"
        )
        resources = [("topic", t) for t in option_values(words, "--topic")]
        resources += [("group", g) for g in option_values(words, "--group")]
        for op in option_values(words, "--operation"):
            rows |= {(user, kind, name, pattern, op) for kind, name in resources}
    assert rows == expected_acls()


def test_validator_may_write_validated_proposals_but_not_job_requests() -> None:
    acls = generate.acls_for(Principal.VALIDATOR)
    writable = {a.name for a in acls if "Write" in a.operations}
    assert "proposals.validated" in writable
    assert "jobs.requested" not in {a.name for a in acls}


def test_script_is_valid_executable_bash() -> None:
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)
    assert os.access(SCRIPT, os.X_OK)


@pytest.mark.parametrize(
    ("principal", "group"),
    [
        (Principal.VALIDATOR, "validator.issues"),
        (Principal.INGEST, "ingest.crm-events"),
        (Principal.INGEST, "ingest.contract-outcomes"),
        (Principal.CONTRACTS, "govmesh-contracts"),
    ],
)
def test_group_prefixes_cover_a_principals_groups_and_no_one_elses(
    principal: Principal, group: str
) -> None:
    def covers(p: Principal) -> bool:
        return any(group.startswith(prefix) for prefix in generate.consumer_group_prefixes(p))

    assert covers(principal)
    assert not any(covers(other) for other in Principal if other is not principal)
