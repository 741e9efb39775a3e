"""Start-up refuses malformed configuration with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import Env

ROOT = Path(__file__).resolve().parents[2]


def start_django(**overrides) -> subprocess.CompletedProcess:
    """Start Django in a fresh interpreter with the given environment variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "LANGUAGE_CODE"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true"})
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "not-a-url"),
        ("DATABASE_URL", "mysqlx://db/tiem"),
        ("REDIS_URL", "localhost:6379"),
        ("LANGUAGE_CODE", "fr"),
        ("TIME_ZONE", "Asia/Saigon_City"),
        ("DEBUG", "maybe"),
        ("DEFAULT_CURRENCY", "dong"),
        ("LOYALTY_VND_PER_POINT", "0"),
        ("LOYALTY_VND_PER_POINT", "mười nghìn"),
    ],
)
def test_malformed_variable_stops_startup_naming_it(variable, value):
    # when
    result = start_django(**{variable: value})

    # then
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert f"{variable}=" in result.stderr


def test_missing_secret_key_without_debug_stops_startup():
    result = start_django(DEBUG="false", ALLOWED_HOSTS="tiem.example")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_well_formed_environment_starts():
    result = start_django(
        DATABASE_URL="postgres://tiem:s3cret@db.internal:5432/tiem",
        REDIS_URL="redis://cache.internal:6379/2",
        LANGUAGE_CODE="en",
        TIME_ZONE="UTC",
    )

    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_database_url_password_is_not_echoed_in_the_error():
    with pytest.raises(ImproperlyConfigured) as error:
        Env({"DATABASE_URL": "mysqlx://tiem:hunter2@db/tiem"}).database("DATABASE_URL", "")

    assert "hunter2" not in str(error.value)
    assert "DATABASE_URL=" in str(error.value)


def test_postgres_url_becomes_django_database_settings():
    config = Env({"DATABASE_URL": "postgres://tiem:pw@db:5433/shop"}).database("DATABASE_URL", "")

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], config["PORT"], config["USER"]) == (
        "shop",
        "db",
        5433,
        "tiem",
    )


def test_sqlite_default_survives_two_processes_writing_at_once(tmp_path):
    """The embedded default: web process and worker write to one file without 'locked' errors."""
    database = tmp_path / "tiem.sqlite3"
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("REDIS_URL", None)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr
    writer = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "from config.services import job_heartbeat_record\n"
        "for _ in range(150): job_heartbeat_record(name='shared')\n"
        "with connection.cursor() as c:\n"
        "    c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])\n"
    )

    # when: two processes increment the same row concurrently
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", writer],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in writers]

    # then: neither failed, no increment was lost, and the file is in WAL mode
    for process, (stdout, stderr) in zip(writers, outputs, strict=True):
        assert process.returncode == 0, stderr
        assert "database is locked" not in stderr
        assert stdout.strip() == "wal"
    count = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup()\n"
            "from config.models import JobHeartbeat\n"
            "print(JobHeartbeat.objects.get(pk='shared').run_count)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert count.stdout.strip() == "300", count.stderr


@pytest.mark.parametrize(
    ("switch", "expected"),
    [
        ({}, "{'prepare_threshold': 5, 'server_side_binding': True}"),
        ({"DATABASE_PREPARED_STATEMENTS": "false"}, "{}"),
    ],
)
def test_postgresql_prepares_hot_statements_unless_switched_off_for_a_pooler(switch, expected):
    # given: a PostgreSQL URL (nothing connects at start-up), with or without the switch
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DATABASE_PREPARED_STATEMENTS"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",
        DATABASE_URL="postgres://tiem@127.0.0.1:5432/shop",
        **switch,
    )
    show = (
        "import django; django.setup(); from django.conf import settings; "
        "print(dict(sorted(settings.DATABASES['default'].get('OPTIONS', {}).items())))"
    )
    # when
    result = subprocess.run(
        [sys.executable, "-c", show], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    # then: what psycopg is told (Django's default is client-side binding, never prepared)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
