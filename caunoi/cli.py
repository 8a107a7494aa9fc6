"""The ``caunoi`` command: run the demo, the web server and the worker, load units, create staff.

Configuration errors (a missing SECRET_KEY, a malformed DATABASE_URL, an unknown province) end in one
line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

DEMO_HOST = "127.0.0.1"
DEMO_PORT = 8000
DEMO_EMULATOR_PORT = 8790


def _fail(message: str) -> NoReturn:
    click.echo(f"caunoi: error: {message}", err=True)
    sys.exit(2)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caunoi.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        _fail(str(exc))


def _application_errors(func: F) -> F:
    """Turn domain errors raised by services into the one-line CLI message."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from caunoi.core.errors import ApplicationError

        try:
            return func(*args, **kwargs)
        except ApplicationError as exc:
            _fail(exc.message)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="caunoi")
def main() -> None:
    """Cầu Nối: a province and its communes talk with their residents."""


@main.command()
@click.option("--host", default=DEMO_HOST, show_default=True, help="Address the web server listens on.")
@click.option("--port", default=DEMO_PORT, show_default=True, type=int, help="Port of the web server.")
def demo(host: str, port: int) -> None:
    """Set up a demo (database, units, staff, sample data), then run web + worker until Ctrl-C.

    Running it again reuses what exists: migrations and loads are idempotent.
    """
    os.environ["CAUNOI_DEMO"] = "1"
    os.environ.setdefault("CAUNOI_PUBLIC_URL", f"http://{host}:{port}")  # links sent to residents
    _setup_django()
    from django.core.management import call_command

    from caunoi import demo as demo_data

    click.echo("Cầu Nối demo: preparing the database…")
    call_command("migrate", interactive=False, verbosity=0)
    _load_units_with_progress(None)
    logins = demo_data.demo_seed()
    url = f"http://{host}:{port}/"
    click.echo("")
    click.secho(f"  Cầu Nối is starting at {url}", bold=True)
    click.echo(f"  Health: {url}healthz    API docs: {url}api/v1/docs")
    click.echo(f"  Zalo emulator: http://{host}:{DEMO_EMULATOR_PORT}/_admin/state")
    click.echo(f"  Every demo account's password: {demo_data.DEMO_PASSWORD}")
    for login in logins:
        line = f"    {login.username:<16} {login.role_label:<28} {login.unit_name}"
        if login.totp_key:
            line += (
                f"   (2FA code: CAUNOI_DEMO=1 .venv/bin/caunoi otp {login.username}; key {login.totp_key})"
            )
        click.echo(line)
    click.echo("  Stop with Ctrl-C.\n")
    _run_processes(
        {
            "web": [
                sys.executable,
                "-m",
                "caunoi.cli",
                "serve",
                "--bind",
                f"{host}:{port}",
                "--workers",
                "2",
            ],
            "worker": [sys.executable, "-m", "caunoi.cli", "worker"],
            # The Zalo emulator plays Zalo for the demo: its followers write in through the webhook.
            # Until an officer connects the OA (Channels page), their events wait and are then replayed.
            "zalo": [
                sys.executable,
                "-m",
                "caunoi.cli",
                "zalo-emulator",
                "--host",
                host,
                "--port",
                str(DEMO_EMULATOR_PORT),
                "--webhook-url",
                f"http://{host}:{port}/webhooks/zalo",
                "--drive-per-minute",
                "6",
            ],
        }
    )


def _run_processes(commands: dict[str, list[str]]) -> None:
    """Run the demo's processes under honcho, which stops them all on Ctrl-C."""
    import shlex

    from honcho.manager import Manager
    from honcho.printer import Printer

    manager = Manager(Printer(sys.stdout))
    env = dict(os.environ)
    for name, argv in commands.items():
        manager.add_process(name, shlex.join(argv), env=env)
    manager.loop()
    sys.exit(manager.returncode)


def _static_fingerprint() -> str:
    """Names, sizes and times of every static source file: it changes when an upgrade changes one."""
    import hashlib

    from django.contrib.staticfiles.finders import get_finders

    entries = sorted(
        f"{path}\0{os.stat(storage.path(path)).st_size}\0{os.stat(storage.path(path)).st_mtime_ns}"
        for finder in get_finders()
        for path, storage in finder.list([])
    )
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()


def _collect_static_if_changed(static_root: Path) -> None:
    """``collectstatic`` only when the sources changed since the last run: compressing every file takes
    half a minute of CPU here, and a web server restarted after a crash should be back at once."""
    from django.core.management import call_command

    stamp = static_root / ".collected"
    fingerprint = _static_fingerprint()
    manifest = static_root / "staticfiles.json"
    if manifest.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint)


@main.command()
@click.option("--bind", default=f"{DEMO_HOST}:{DEMO_PORT}", show_default=True, help="host:port to listen on.")
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes.")
def serve(bind: str, workers: int) -> None:
    """Run the web server (gunicorn). Put a TLS-terminating proxy in front of it in production."""
    _setup_django()
    from django.conf import settings

    if not settings.DEBUG:
        _collect_static_if_changed(Path(settings.STATIC_ROOT))
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "caunoi.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--no-control-socket",
        "--graceful-timeout",
        "10",
    ]
    os.execv(sys.executable, argv)  # noqa: S606 - replace this process with gunicorn, by design


@main.command()
@click.option("--workers", default=2, show_default=True, type=int, help="Worker threads.")
@click.option(
    "--periodic/--no-periodic",
    default=True,
    show_default=True,
    help="Run the periodic jobs (heartbeat, retention). With several worker machines, enable on one only.",
)
def worker(workers: int, periodic: bool) -> None:
    """Run the background worker (Huey consumer)."""
    _setup_django()
    from django.core.management import call_command

    call_command("run_huey", workers=workers, worker_type="thread", periodic=periodic)


def _load_units_with_progress(province: str | None) -> None:
    from caunoi.geo import sources
    from caunoi.geo.services import units_load

    codes = [p.code for p in sources.national_provinces()]
    if province is not None and province not in codes:
        _fail(f"unknown province code {province} (official codes run from 01 to 96, e.g. 08 for Tuyên Quang)")
    total = 1 if province else len(codes)
    with click.progressbar(length=total, label="Loading administrative units", show_pos=True) as bar:
        report = units_load(province_code=province, progress=lambda _code: bar.update(1))
    click.echo(
        f"Provinces: {report.provinces_created} new, {report.provinces_updated} updated. "
        f"Communes: {report.communes_created} new, {report.communes_updated} updated, "
        f"{report.communes_retired} retired."
    )
    for rename in report.renamed[:20]:
        click.echo(f"  renamed: {rename}")


@main.command("load-units")
@click.option("--province", metavar="CODE", help="Official province code, e.g. 08 for Tuyên Quang.")
@_application_errors
def load_units(province: str | None) -> None:
    """Load or update the 34 provinces and their communes from the national list (idempotent)."""
    _setup_django()
    _load_units_with_progress(province)


@main.command()
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["province_admin", "editor", "approver", "commune_officer", "reporter", "auditor"]),
)
@click.option(
    "--unit", "unit_code", required=True, metavar="CODE", help="Official code of the province or commune."
)
@click.option("--full-name", default="", help="Name shown in the interface.")
@click.option("--email", default="", help="Work email.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@_application_errors
def createstaff(
    username: str, role: str, unit_code: str, full_name: str, email: str, password_stdin: bool
) -> None:
    """Create a staff account holding ROLE on a unit."""
    _setup_django()
    from caunoi.accounts.services import staff_create
    from caunoi.geo.models import Unit

    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None:
        _fail(f"unknown unit code {unit_code} (run `caunoi load-units` first?)")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    staff_create(
        username=username,
        full_name=full_name,
        email=email,
        password=password,
        role=role,
        unit=unit,
        actor=None,
    )
    click.echo(f"Created {username}: {role} on {unit.name}.")


@main.command()
@click.argument("username")
def otp(username: str) -> None:
    """Demo only: print the current two-factor code of a demo account."""
    _setup_django()
    from django.conf import settings

    if not settings.DEMO:
        _fail("`caunoi otp` works only in the demo (CAUNOI_DEMO=1)")
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is None:
        _fail(f"{username} has no authenticator")
    click.echo(
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"
    )


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command, e.g. `caunoi manage check --deploy`."""
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["caunoi manage", *args])


@main.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@_application_errors
def backup_command(destination: Path) -> None:
    """Write the database and every stored file into DESTINATION (.tar.gz; `-` for stdout)."""
    _setup_django()
    from caunoi.core.backup import backup_write

    if str(destination) == "-":
        summary = backup_write(sys.stdout.buffer)
    else:
        # Written beside the target and renamed at the end: never a half-written backup under its name.
        partial = destination.with_name(destination.name + ".partial")
        try:
            with partial.open("wb") as out:
                summary = backup_write(out)
            partial.replace(destination)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            _fail(f"cannot write {destination}: {exc.strerror or exc}")
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    click.echo(
        f"Backup of the {summary.engine} database ({summary.database_bytes:,} bytes) and {summary.files} "
        f"stored files, taken {summary.created_at}.",
        err=True,
    )


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite a database that already holds data.")
@_application_errors
def restore_command(source: Path, replace: bool) -> None:
    """Put back a backup made by `caunoi backup`; stop the web and worker services first."""
    _setup_django()
    from caunoi.core.backup import backup_restore

    summary = backup_restore(source, replace=replace)
    click.echo(
        f"Restored the {summary.engine} database and {summary.files} stored files "
        f"from the backup taken {summary.created_at}; migrations are up to date."
    )


@main.command()
@click.argument("file", type=click.File("rb"))
@click.option(
    "--evaluate",
    "labels",
    type=click.File("rb"),
    help="A file of `topic<TAB>sentiment` lines, one per text: print accuracy and macro-F1 instead.",
)
def analyze(file: Any, labels: Any) -> None:
    """Analyse public opinion in FILE (one text per line, `-` for stdin): one JSON object per line."""
    from caunoi.opinion import batch

    results = []
    for result in batch.analyse_stream(batch.read_lines(file)):
        if result.skipped is not None:
            click.echo(f"caunoi analyze: line {result.text_id} skipped ({result.skipped.value})", err=True)
        if labels is None:
            click.echo(batch.json_line(result))
        else:
            results.append(result)
    if labels is not None:
        for score in batch.evaluate(results, batch.read_labels(labels)):
            click.echo(score.line())


@main.command("zalo-burst")
@click.option(
    "--topic", required=True, help="What the messages are about, e.g. electricity_water, disaster, roads."
)
@click.option(
    "--commune", "commune_code", required=True, help="Code of the commune they come from, e.g. 00694."
)
@click.option("--events", default=30, show_default=True, type=int, help="How many messages.")
@click.option("--per-second", default=5.0, show_default=True, type=float, help="How fast they arrive.")
@click.option(
    "--emulator",
    default=f"http://{DEMO_HOST}:{DEMO_EMULATOR_PORT}",
    show_default=True,
    help="The running emulator (the demo's by default).",
)
def zalo_burst(topic: str, commune_code: str, events: int, per_second: float, emulator: str) -> None:
    """Demo: the emulator's residents of one commune write about one issue (an emerging topic)."""
    import httpx

    try:
        answer = httpx.post(
            f"{emulator.rstrip('/')}/_admin/drive",
            json={
                "events": events,
                "rate_per_second": per_second,
                "kinds": {"user_send_text": 1},
                "topic": topic,
                "commune_code": commune_code,
            },
            timeout=10,
        )
    except httpx.HTTPError as exc:
        _fail(f"the Zalo emulator at {emulator} does not answer ({exc}); is `make demo` running?")
    if answer.status_code >= 400:
        _fail(f"the emulator refused the burst: {answer.text.strip()}")
    click.echo(f"{events} messages about {topic} from commune {commune_code} are on their way.")


@main.command("zalo-emulator")
@click.option("--host", default=DEMO_HOST, show_default=True, help="Address the emulator listens on.")
@click.option("--port", default=DEMO_EMULATOR_PORT, show_default=True, type=int, help="Port of the emulator.")
@click.option("--followers", default=200, show_default=True, type=int, help="Synthetic followers of the OA.")
@click.option(
    "--webhook-url",
    default="",
    help="Where signed webhook events go, e.g. http://127.0.0.1:8000/webhooks/zalo.",
)
@click.option("--app-id", help="Zalo App id (default: a fixed demo value).")
@click.option("--app-secret", help="App secret key, sent by clients in the secret_key header.")
@click.option("--oa-id", help="Official Account id.")
@click.option("--oa-secret-key", help="OA secret key that signs webhooks.")
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same followers.")
@click.option(
    "--province", default="08", show_default=True, metavar="CODE", help="Followers live in its communes."
)
@click.option("--rate-limit-per-minute", default=4000, show_default=True, type=int, help="Then -32.")
@click.option(
    "--time-factor", default=1.0, show_default=True, type=float, help="Divides retry and receipt delays."
)
@click.option(
    "--drive-per-minute",
    default=0.0,
    show_default=True,
    type=float,
    help="Keep followers writing in: this many webhook events a minute (the demo uses a few).",
)
def zalo_emulator(
    host: str,
    port: int,
    followers: int,
    webhook_url: str,
    app_id: str | None,
    app_secret: str | None,
    oa_id: str | None,
    oa_secret_key: str | None,
    seed: int,
    province: str,
    rate_limit_per_minute: int,
    time_factor: float,
    drive_per_minute: float,
) -> None:
    """Run a stand-in for Zalo (OAuth, OA API, ZNS, webhooks) until Ctrl-C; no Django needed."""
    from caunoi.channels.zalo.emulator import EmulatorConfig, ZaloEmulator
    from caunoi.channels.zalo.emulator import config as defaults

    config = EmulatorConfig(
        host=host,
        port=port,
        followers=followers,
        webhook_url=webhook_url,
        app_id=app_id or defaults.DEFAULT_APP_ID,
        app_secret=app_secret or defaults.DEFAULT_APP_SECRET,
        oa_id=oa_id or defaults.DEFAULT_OA_ID,
        oa_secret_key=oa_secret_key or defaults.DEFAULT_OA_SECRET_KEY,
        seed=seed,
        province=province,
        rate_limit_per_minute=rate_limit_per_minute,
        time_factor=time_factor,
    )
    try:
        emulator = ZaloEmulator(config)
    except (ValueError, OSError) as exc:
        _fail(f"zalo-emulator: {exc}")
    click.secho(f"  Zalo emulator at {emulator.url} (OAuth, OA API and ZNS on one port)", bold=True)
    click.echo(f"  Admin: {emulator.admin_url}   Followers: {followers} in province {province}")
    click.echo(f"  app_id {config.app_id}   app secret {config.app_secret}")
    click.echo(f"  oa_id {config.oa_id}   OA secret key {config.oa_secret_key}")
    click.echo(f"  Webhooks to: {webhook_url or '(none; set --webhook-url)'}   Stop with Ctrl-C.")
    if drive_per_minute > 0 and webhook_url:
        import threading

        # Daemon thread: it ends with the process; its events go through the normal signed sender.
        threading.Thread(
            target=emulator.drive,
            kwargs={"events": 10**9, "rate_per_second": drive_per_minute / 60},
            daemon=True,
        ).start()
        click.echo(f"  Followers write in: {drive_per_minute:g} events a minute.")
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        click.echo("Zalo emulator stopped.")


if __name__ == "__main__":
    main()
