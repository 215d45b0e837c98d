"""The command line's user (ORCHESTRA_USER): its views and runs are that user's threads only."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from graph.persistence.checkpoints import open_store
from state.archive import REPORTS, namespace
from tests.integration_tests.conftest import InProcessCli, model_env
from tests.integration_tests.test_cli_approval import report_script
from tests.servers.openai_server import ScriptedOpenAIServer


def test_another_users_thread_cannot_be_shown_resumed_or_continued_from_the_command_line(
    cli_here: InProcessCli, isolated_env: Path
) -> None:
    alice, bob = {"ORCHESTRA_USER": "alice"}, {"ORCHESTRA_USER": "bob"}
    with ScriptedOpenAIServer(report_script()) as server:
        env = model_env(server)
        waiting = cli_here("ask", "Report please", "--thread-id", "mine", **alice, **env)
        assert waiting.code == 4, waiting.stderr
        asked = len(server.requests)
        for command in (("show", "mine"), ("history", "mine"), ("resume", "mine", "--yes")):
            refused = cli_here(*command, **bob, **env)
            assert refused.code == 2 and "unknown thread 'mine'" in refused.stderr, command
        taken = cli_here("ask", "Mine now", "--thread-id", "mine", **bob, **env)
        assert taken.code == 2 and "thread mine is another user's" in taken.stderr
        # Bob's tries asked the model nothing and wrote nothing; alice's approval still waits.
        assert len(server.requests) == asked
        assert json.loads(cli_here("threads", "--json", **bob).stdout) == []
        listed = json.loads(cli_here("threads", "--json", **alice).stdout)
        assert [t["thread_id"] for t in listed] == ["mine"]
        done = cli_here("resume", "mine", "--yes", "--json", **alice, **env)
        assert done.code == 0 and done.json()["status"] == "done", done.stderr

    async def archived(user: str) -> list[str]:
        url = f"sqlite:///{isolated_env / 'checkpoints.sqlite'}"
        async with open_store(url) as store:
            found = await store.asearch(namespace(user, "mine", REPORTS))
        return [item.key for item in found]

    # The step's report is kept in alice's part of the Store, the part her /store shows her.
    assert asyncio.run(archived("alice")) == ["1.report"]
    assert asyncio.run(archived("bob")) == []


def test_a_key_is_printed_once_listed_by_its_id_and_revoked_by_id_or_user(
    cli_here: InProcessCli, tmp_path: Path
) -> None:
    path = tmp_path / "auth_keys"
    keys = {"ORCHESTRA_AUTH_KEYS": str(path)}
    made = {user: cli_here("keys", "add", user, "--json", **keys).json() for user in ("ann", "ben")}
    again = cli_here("keys", "add", "ann", **keys)
    assert again.code == 0 and again.stdout.startswith("orch_")
    assert "this is the only time it is shown" in again.stderr
    listed = cli_here("keys", "list", "--json", **keys)
    rows = json.loads(listed.stdout)
    assert [r["user"] for r in rows] == ["ann", "ben", "ann"]
    assert not any(m["key"] in listed.stdout + path.read_text() for m in made.values())
    assert cli_here("keys", "revoke", made["ben"]["key_id"], **keys).code == 0
    gone = cli_here("keys", "revoke", "--user", "ann", "--json", **keys)
    assert [r["user"] for r in json.loads(gone.stdout)] == ["ann", "ann"]
    assert json.loads(cli_here("keys", "list", "--json", **keys).stdout) == []
    # Bad input: one line, exit 2, nothing lost.
    for args, said in [
        (("keys", "revoke", "0123456789ab"), "no key 0123456789ab"),
        (("keys", "add", "not a user"), "user id 'not a user' must be"),
    ]:
        refused = cli_here(*args, **keys)
        assert refused.code == 2 and said in refused.stderr and "Traceback" not in refused.stderr
    unset = cli_here("keys", "list")
    assert unset.code == 2 and "set ORCHESTRA_AUTH_KEYS" in unset.stderr
