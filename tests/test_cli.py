"""The `caunoi` command as an operator runs it: a subprocess with its own environment and database.

Bad configuration or input gives one line on stderr and a non-zero exit, never a traceback.
"""

import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

CAUNOI = str(Path(sys.executable).with_name("caunoi"))
SUBCOMMANDS = [
    "demo",
    "serve",
    "worker",
    "load-units",
    "createstaff",
    "otp",
    "analyze",
    "zalo-burst",
    "backup",
    "restore",
]
STRONG_PASSWORD = "Cầu-Nối-vững-chắc-2026"


def base_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment: nothing leaks in from the test process (its SECRET_KEY, DATABASE_URL...)."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "CAUNOI_VAR_DIR": str(tmp_path / "var"),
    }
    env.update(extra)
    return env


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    settings = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'caunoi.sqlite3'}",
    }
    return base_env(tmp_path, **{**settings, **extra})


def caunoi(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CAUNOI, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("caunoi: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


# Bad configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["load-units", "--province", "08"], ["manage", "check"]])
def test_production_without_a_secret_key_fails_in_one_line(tmp_path, args):
    env = base_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")

    result = caunoi(*args, env=env)

    assert_one_line_error(result, "SECRET_KEY")
    assert not (tmp_path / "db.sqlite3").exists()


def test_the_demo_runs_without_a_secret_key(tmp_path):
    result = caunoi("manage", "check", env=base_env(tmp_path, CAUNOI_DEMO="1"))

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("nonsense://", "DATABASE_URL is not a valid database URL"),
        ("postgres://db.example:notaport/caunoi", "DATABASE_URL is not a valid database URL"),
        ("mysql://caunoi@db.example/caunoi", "DATABASE_URL must be a sqlite:// or postgres:// URL"),
    ],
)
def test_a_malformed_database_url_fails_in_one_line(tmp_path, url, fragment):
    result = caunoi("load-units", "--province", "08", env=production_env(tmp_path, DATABASE_URL=url))

    assert_one_line_error(result, fragment)


def test_an_unknown_province_code_fails_in_one_line(tmp_path):
    result = caunoi("load-units", "--province", "99", env=production_env(tmp_path))

    assert_one_line_error(result, "unknown province code 99")


def test_a_burst_without_a_running_emulator_fails_in_one_line(tmp_path):
    from tests.providers import free_port

    result = caunoi(
        "zalo-burst",
        "--topic",
        "roads",
        "--commune",
        "00694",
        "--emulator",
        f"http://127.0.0.1:{free_port()}",
        env=base_env(tmp_path),
    )
    assert_one_line_error(result, "does not answer")


def test_a_burst_reaches_the_emulator_and_a_bad_one_is_refused_in_one_line(tmp_path):
    from caunoi.channels.zalo.emulator import EmulatorConfig, ZaloEmulator

    emulator = ZaloEmulator(EmulatorConfig(followers=80, seed=4)).start()
    try:
        commune = next(p.place.commune_code for p in emulator.state.followers.values() if p.place)
        args = [
            "zalo-burst",
            "--commune",
            commune,
            "--events",
            "4",
            "--per-second",
            "0",
            "--emulator",
            emulator.url,
        ]
        sent = caunoi(*args, "--topic", "electricity_water", env=base_env(tmp_path))
        assert sent.returncode == 0, sent.stderr
        assert "4 messages about electricity_water" in sent.stdout
        assert_one_line_error(caunoi(*args, "--topic", "weather", env=base_env(tmp_path)), "unknown topic")
    finally:
        emulator.stop()


# Help -------------------------------------------------------------------------------------------


def test_caunoi_help_lists_every_command(tmp_path):
    result = caunoi("--help", env=base_env(tmp_path))

    assert result.returncode == 0, result.stderr
    for command in [*SUBCOMMANDS, "manage"]:
        assert f"  {command} " in result.stdout


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_each_subcommand_has_help(tmp_path, command):
    result = caunoi(command, "--help", env=base_env(tmp_path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: caunoi {command} ")
    assert result.stderr == ""


def test_manage_help_is_djangos_list_of_commands(tmp_path):
    result = caunoi("manage", "--help", env=production_env(tmp_path))

    assert result.returncode == 0, result.stderr
    assert "Type 'caunoi manage help <subcommand>'" in result.stdout
    assert "migrate" in result.stdout


# createstaff ------------------------------------------------------------------------------------


def test_createstaff_creates_a_user_holding_the_role_and_refuses_bad_input(tmp_path):
    env = production_env(tmp_path)
    db_path = tmp_path / "caunoi.sqlite3"
    migrated = caunoi("manage", "migrate", "--verbosity", "0", env=env)
    assert migrated.returncode == 0, migrated.stderr
    loaded = caunoi("load-units", "--province", "08", env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert "Communes: 124 new, 0 updated, 0 retired." in loaded.stdout

    created = caunoi(
        "createstaff",
        "xa.hagiang1",
        "--role",
        "commune_officer",
        "--unit",
        "00694",
        "--full-name",
        "Nguyễn Thị Lan",
        "--password-stdin",
        env=env,
        stdin=STRONG_PASSWORD + "\n",
    )

    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "Created xa.hagiang1: commune_officer on Phường Hà Giang 1."
    with sqlite3.connect(db_path) as db:
        user = db.execute(
            "SELECT id, full_name, password, is_superuser, is_staff FROM accounts_user WHERE username = ?",
            ["xa.hagiang1"],
        ).fetchone()
        roles = db.execute(
            "SELECT r.role, u.code, r.revoked_at FROM accounts_roleassignment r "
            "JOIN geo_unit u ON u.id = r.unit_id WHERE r.user_id = ?",
            [user[0]],
        ).fetchall()
        audited = {row[0] for row in db.execute("SELECT action FROM core_auditevent")}
    assert user[1] == "Nguyễn Thị Lan"
    assert user[2].startswith("pbkdf2_sha256$") and STRONG_PASSWORD not in user[2]
    assert (user[3], user[4]) == (0, 0)  # staff of the platform, not operators of the Django admin
    assert roles == [("commune_officer", "00694", None)]
    assert {"units.load", "staff.create", "role.grant"} <= audited

    def createstaff(username: str, unit: str, password: str) -> subprocess.CompletedProcess[str]:
        args = ["createstaff", username, "--role", "commune_officer", "--unit", unit, "--password-stdin"]
        return caunoi(*args, env=env, stdin=password + "\n")

    # These two messages are translated (Vietnamese by default); the minimum length shows in both.
    assert_one_line_error(createstaff("xa.weak", "00694", "password"), "12")
    assert_one_line_error(createstaff("xa.hagiang1", "00694", STRONG_PASSWORD))
    assert_one_line_error(createstaff("xa.nowhere", "99999", STRONG_PASSWORD), "unknown unit code 99999")
    bad_role = caunoi(
        "createstaff",
        "xa.role",
        "--role",
        "mayor",
        "--unit",
        "00694",
        "--password-stdin",
        env=env,
        stdin="x\n",
    )
    assert bad_role.returncode != 0
    assert "Traceback" not in bad_role.stderr
    with sqlite3.connect(db_path) as db:
        usernames = {row[0] for row in db.execute("SELECT username FROM accounts_user")}
    assert usernames == {"xa.hagiang1"}


# Production settings ----------------------------------------------------------------------------


def test_production_settings_pass_the_deployment_check(tmp_path):
    result = caunoi("manage", "check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_serve_collects_static_files_only_when_they_changed(settings, tmp_path, monkeypatch):
    """A web server restarted after a crash must not spend half a minute compressing unchanged files."""
    import django.core.management

    from caunoi.cli import _collect_static_if_changed

    source = tmp_path / "extra-static"
    source.mkdir()
    (source / "extra.css").write_text("body { color: #222; }")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, source]
    root = tmp_path / "static"
    root.mkdir()
    runs: list[str] = []

    def collectstatic(name: str, **options: object) -> None:
        runs.append(name)
        (root / "staticfiles.json").write_text("{}")

    monkeypatch.setattr(django.core.management, "call_command", collectstatic)

    _collect_static_if_changed(root)
    _collect_static_if_changed(root)
    assert runs == ["collectstatic"]  # the second start reuses what the first collected

    (source / "extra.css").write_text("body { color: #111; }")  # an upgrade changed a file
    _collect_static_if_changed(root)
    assert runs == ["collectstatic", "collectstatic"]
