"""Key hygiene (DESIGN §13): the key comes from the environment, a ``.env`` file or ``%openrouter key --set``
(getpass, this process only); hints never suggest ``%env`` (IPython echoes it into the saved notebook); and
a key set in the session is never shown, echoed or written anywhere."""

from __future__ import annotations

import getpass
import os

import pytest
from _magic_shell import MODEL, close_shell, make_shell, run
from IPython.core.error import StdinNotImplementedError, UsageError

from openrouter_magic._core.config import Setting, api_key_setting, read_dotenv
from openrouter_magic._session.session import Session

PRIVATE = "my-private-token-0123456789"  # not shaped like sk-or-…: only registering it can mask it

DOTENV_LINES = [
    ("OPENROUTER_API_KEY=sk-or-v1-plain", "sk-or-v1-plain"),
    ("export OPENROUTER_API_KEY=sk-or-v1-exported", "sk-or-v1-exported"),
    ('OPENROUTER_API_KEY="sk-or-v1-double"  # a comment', "sk-or-v1-double"),
    ("  OPENROUTER_API_KEY = 'sk-or-v1-single # not a comment' ", "sk-or-v1-single # not a comment"),
    ("OPENROUTER_API_KEY=sk-or-v1-trailing   # a comment", "sk-or-v1-trailing"),
    ("# OPENROUTER_API_KEY=sk-or-v1-commented-out", None),
    ('OPENROUTER_API_KEY="unterminated', None),
    ("OPENROUTER_API_KEY", None),
    ("OPENROUTER_API_KEY=", ""),
]


@pytest.mark.parametrize("line, expected", DOTENV_LINES, ids=[line for line, _ in DOTENV_LINES])
def test_dotenv_lines_are_read_as_shells_write_them(tmp_path, line, expected):
    path = tmp_path / ".env"
    path.write_text(f"OTHER=1\n\n{line}\n", encoding="utf-8")
    assert read_dotenv(path).get("OPENROUTER_API_KEY") == expected and read_dotenv(path)["OTHER"] == "1"


def test_a_missing_dotenv_file_is_empty(tmp_path):
    assert read_dotenv(tmp_path / ".env") == {}


def test_the_key_comes_from_the_working_directory_dotenv_then_the_home_one(tmp_path, isolated_home, monkeypatch):
    monkeypatch.chdir(tmp_path)
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / ".env").write_text("OPENROUTER_API_KEY=sk-or-v1-from-home\n")
    assert api_key_setting() == Setting("api_key", "sk-or-v1-from-home", f"file:{isolated_home / '.env'}")
    (tmp_path / ".env").write_text("OPENROUTER_API_KEY=sk-or-v1-from-cwd\n")
    assert api_key_setting().value == "sk-or-v1-from-cwd"
    assert "OPENROUTER_API_KEY" not in os.environ  # read, never put into the environment


def test_the_environment_wins_over_a_dotenv_and_the_session_key_wins_over_both(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("OPENROUTER_API_KEY=sk-or-v1-from-file\n")
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-from-env")
    assert api_key_setting().source == "env:OPENROUTER_API_KEY"
    assert api_key_setting(session=PRIVATE) == Setting("api_key", PRIVATE, "session")
    assert api_key_setting("sk-or-v1-argument", session=PRIVATE).source == "argument"


def test_a_setting_repr_masks_the_key(sentinel_key):
    shown = repr(Setting("api_key", sentinel_key, "session")) + str([Setting("api_key", sentinel_key, "x")])
    assert sentinel_key not in shown and "sk-or-…CRET" in shown


# ── in a real shell, against the emulator ────────────────────────────────────────────────────────
@pytest.fixture
def keyless(fake, monkeypatch, tmp_path):
    """A shell with no key anywhere, pointed at an emulator, in an empty working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENROUTER_BASE_URL", fake.base_url)
    shell = make_shell()
    yield shell
    close_shell(shell)


def test_a_dotenv_key_is_sent_and_config_names_the_file_never_the_key(keyless, fake, tmp_path, sentinel_key):
    (tmp_path / ".env").write_text(f"OPENROUTER_API_KEY={sentinel_key}\n")
    ran = run(keyless, f"%%openrouter -m {MODEL} -q\nhi")
    assert ran.error is None and fake.chat_requests[-1].headers["authorization"] == f"Bearer {sentinel_key}"
    shown = run(keyless, "%openrouter config").everything()
    assert f"file:{tmp_path / '.env'}" in shown and "sk-or-…CRET" in shown and sentinel_key not in shown


def _answer_getpass(monkeypatch, answer):
    prompts: list[str] = []

    def fake_getpass(prompt: str = "Password: ", stream=None) -> str:
        prompts.append(prompt)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    return prompts


def test_key_set_reads_the_key_with_getpass_and_the_next_cell_uses_it(keyless, fake, monkeypatch, sentinel_key):
    prompts = _answer_getpass(monkeypatch, f"  {sentinel_key}\n")
    ran = run(keyless, "%openrouter key --set")
    assert ran.error is None and prompts == ["OpenRouter API key (kept in this kernel only, never saved): "]
    assert "key sk-or-…CRET set for this session only" in ran.cap.stdout
    answer = run(keyless, f"%%openrouter -m {MODEL} -q\nhi")
    assert answer.error is None and fake.chat_requests[-1].headers["authorization"] == f"Bearer {sentinel_key}"
    report = run(keyless, "%openrouter key")
    assert report.error is None and "limit" in report.everything()
    config = run(keyless, "%openrouter config")
    assert "(session)" in config.everything()
    for shown in (ran, answer, report, config):
        assert sentinel_key not in shown.everything()
    assert "OPENROUTER_API_KEY" not in os.environ


def test_key_set_writes_the_key_nowhere(keyless, monkeypatch, isolated_home, tmp_path, sentinel_key):
    _answer_getpass(monkeypatch, sentinel_key)
    run(keyless, "%openrouter key --set")
    run(keyless, f"%%openrouter -m {MODEL} -q\nhi")  # the ledger and the catalog cache are written now
    Session.get(keyless).close()
    written = [p for p in isolated_home.parent.rglob("*") if p.is_file()]
    assert any(p.name.startswith("ledger") for p in written)
    assert [p for p in written if sentinel_key.encode() in p.read_bytes()] == []


def test_a_key_set_in_the_session_is_masked_where_the_server_echoes_it(keyless, fake, monkeypatch):
    _answer_getpass(monkeypatch, PRIVATE)
    run(keyless, "%openrouter key --set")
    fake.queue_error(400, body={"error": {"message": f"bad token {PRIVATE} given", "code": 400}})
    ran = run(keyless, f"%%openrouter -m {MODEL}\nhi")
    assert type(ran.error) is UsageError and PRIVATE not in ran.everything()
    assert "bad token …" in str(ran.error)


@pytest.mark.parametrize("answer, expected", [("", "no key entered: nothing changed"),
                                              (StdinNotImplementedError("no stdin"), "cannot ask for input"),
                                              (EOFError(), "cannot ask for input")])
def test_key_set_without_a_key_is_one_usage_error_line_and_changes_nothing(keyless, monkeypatch, answer, expected):
    _answer_getpass(monkeypatch, answer)
    ran = run(keyless, "%openrouter key --set")
    assert type(ran.error) is UsageError and expected in str(ran.error)
    assert ran.cap.stderr.count("\n") == 1
    assert not Session.get(keyless).settings()["api_key"].value


def test_no_hint_or_manual_suggests_env_assignment(keyless, fake):
    shown = [run(keyless, f"%%openrouter -m {MODEL}\nhi").everything(), run(keyless, "%openrouter help").everything()]
    fake.queue_error(401)
    shown.append(run(keyless, "%openrouter key").everything())
    assert "%openrouter key --set" in shown[0] and "--set" in shown[1]
    assert not any("%env" in text for text in shown)


# ── in a real kernel: getpass becomes the front end's password request ───────────────────────────
def _until_idle(kc, msg_id: str) -> list[dict]:
    """Every iopub message of one execution, up to its ``idle``."""
    messages = []
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") == msg_id:
            messages.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return messages


@pytest.fixture
def kernel(fake, tmp_path):
    """A real ipykernel with no key anywhere, pointed at an emulator that accepts only the sentinel key."""
    from jupyter_client.manager import KernelManager

    from tests.conftest import SENTINEL_KEY

    fake.api_key = SENTINEL_KEY
    env = {**os.environ, "OPENROUTER_BASE_URL": fake.base_url}
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env=env, cwd=str(tmp_path))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.mark.kernel
def test_key_set_in_a_kernel_asks_the_front_end_for_a_password_and_nothing_shows_the_key(kernel, fake,
                                                                                          sentinel_key):
    msg_id = kernel.execute("%load_ext openrouter_magic\n%openrouter key --set", allow_stdin=True)
    request = kernel.get_stdin_msg(timeout=60)
    assert request["msg_type"] == "input_request" and request["content"]["password"] is True
    kernel.input(sentinel_key)
    messages = _until_idle(kernel, msg_id)
    for source in (f"%%openrouter -m {MODEL} -q\nhi", "%openrouter key", "%openrouter config"):
        messages += _until_idle(kernel, kernel.execute(source))
    texts = [str(m["content"]) for m in messages]
    assert any("set for this session only" in t for t in texts) and any("(session)" in t for t in texts)
    assert not any(m["msg_type"] == "error" for m in messages), texts
    assert fake.chat_requests[-1].headers["authorization"] == f"Bearer {sentinel_key}"
    assert not any(sentinel_key in t for t in texts)


@pytest.mark.kernel
def test_key_set_in_a_front_end_without_input_says_what_to_do_instead(kernel):
    messages = _until_idle(kernel, kernel.execute("%load_ext openrouter_magic\n%openrouter key --set",
                                                  allow_stdin=False))
    stderr = [m["content"]["text"] for m in messages if m["msg_type"] == "stream" and m["content"]["name"] == "stderr"]
    assert len(stderr) == 1 and stderr[0].count("\n") == 1  # IPython shows a UsageError as one stderr line
    assert stderr[0].startswith("UsageError: this front end cannot ask for input: export OPENROUTER_API_KEY=")


def test_a_key_typed_after_key_is_refused_without_being_echoed(keyless, sentinel_key):
    for line in (f"%openrouter key --set {sentinel_key}", f"%openrouter key {sentinel_key}"):
        ran = run(keyless, line)
        assert type(ran.error) is UsageError
        assert "run %openrouter key --set and type the key when asked" in str(ran.error)
        assert sentinel_key not in ran.everything() and "SENTINEL" not in ran.everything()
    assert not Session.get(keyless).settings()["api_key"].value
