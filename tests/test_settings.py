"""Settings: defaults, baton.toml, BATON_* variables, precedence, unknown keys, masking."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from baton.errors import ConfigError
from baton.settings import CONFIG_FILE, SecretAlgorithm, Settings, describe, load_settings


def write_config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / CONFIG_FILE).write_text(text)


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    assert settings.home == tmp_path
    assert settings.host == "127.0.0.1"
    assert settings.port == 8080
    assert settings.database_url is None
    assert settings.admin_password is None
    assert settings.auth.pam_enabled is False
    assert settings.auth.token_max_days == 365
    assert settings.secrets.algorithm is SecretAlgorithm.AES_256_GCM
    assert settings.api.page_size == 50
    assert settings.registry_url == f"sqlite:///{(tmp_path / 'registry.db').resolve()}"
    assert settings.key_path == tmp_path / "secret.key"


def test_config_file_values(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        'port = 9000\nhost = "0.0.0.0"\n'
        "[auth]\npam_enabled = true\n"
        '[secrets]\nalgorithm = "chacha20-poly1305"\nkey_file = "ring.json"\n',
    )
    settings = load_settings(tmp_path, environ={})
    assert settings.port == 9000
    assert settings.host == "0.0.0.0"
    assert settings.auth.pam_enabled is True
    assert settings.secrets.algorithm is SecretAlgorithm.CHACHA20_POLY1305
    assert settings.key_path == tmp_path / "ring.json"


def test_database_url_from_file_is_the_registry_url(tmp_path: Path) -> None:
    write_config(tmp_path, 'database_url = "postgresql://baton:pw@db/baton"\n')
    settings = load_settings(tmp_path, environ={})
    assert settings.registry_url == "postgresql://baton:pw@db/baton"


def test_environment_overrides_config_file(tmp_path: Path) -> None:
    write_config(tmp_path, "port = 9000\n")
    settings = load_settings(tmp_path, environ={"BATON_PORT": "9100"})
    assert settings.port == 9100


def test_code_overrides_environment(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={"BATON_PORT": "9100"}, port=9200)
    assert settings.port == 9200


def test_nested_environment_variable_merges_with_the_file_section(tmp_path: Path) -> None:
    write_config(tmp_path, '[auth]\nsession_cookie = "sid"\npam_enabled = false\n')
    settings = load_settings(tmp_path, environ={"BATON_AUTH__PAM_ENABLED": "true"})
    assert settings.auth.pam_enabled is True
    assert settings.auth.session_cookie == "sid"


def test_given_environment_replaces_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATON_PORT", "9999")
    monkeypatch.setenv("BATON_AUTH__PAM_ENABLED", "true")
    isolated = load_settings(tmp_path, environ={})
    assert isolated.port == 8080
    assert isolated.auth.pam_enabled is False
    given = load_settings(tmp_path, environ={"BATON_PORT": "1234"})
    assert given.port == 1234


def test_process_environment_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATON_PORT", "9999")
    assert load_settings(tmp_path).port == 9999


def test_home_from_environment(tmp_path: Path) -> None:
    settings = load_settings(environ={"BATON_HOME": str(tmp_path / "elsewhere")})
    assert settings.home == tmp_path / "elsewhere"


def test_home_from_environment_reads_its_config_file(tmp_path: Path) -> None:
    write_config(tmp_path / "elsewhere", "port = 9001\n")
    settings = load_settings(environ={"BATON_HOME": str(tmp_path / "elsewhere")})
    assert settings.port == 9001


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("bogus = 1\n", "bogus"),
        ("[auth]\npam_enabeld = true\n", "auth.pam_enabeld"),
        ("[nosuchsection]\nx = 1\n", "nosuchsection"),
    ],
)
def test_unknown_config_key_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    write_config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, environ={})
    assert caught.value.key == key
    assert key in str(caught.value)


@pytest.mark.parametrize("name", ["BATON_FOO", "BATON_AUTH__NOPE", "BATON_PORT__X"])
def test_unknown_environment_variable_names_it(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, environ={name: "1"})
    assert caught.value.key == name
    assert name in str(caught.value)


def test_unknown_variable_in_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATON_FOO", "1")
    with pytest.raises(ConfigError, match="BATON_FOO"):
        load_settings(tmp_path)


def test_test_suite_and_foreign_variables_are_ignored(tmp_path: Path) -> None:
    environ = {
        "BATON_TEST_DATABASE_URL": "postgresql://nobody@nowhere/none",
        "BATON_TEST_ANYTHING": "x",
        "PATH": "/usr/bin",
        "baton_lowercase_is_not_ours": "x",
    }
    settings = load_settings(tmp_path, environ=environ)
    assert settings.database_url is None


@pytest.mark.parametrize(
    ("environ", "config", "key"),
    [
        ({}, "port = 99999\n", "port"),
        ({"BATON_PORT": "99999"}, "", "port"),
        ({"BATON_PORT": "eighty"}, "", "port"),
        ({}, '[secrets]\nalgorithm = "rot13"\n', "secrets.algorithm"),
        ({"BATON_API__PAGE_SIZE": "0"}, "", "api.page_size"),
    ],
)
def test_invalid_value_names_the_key(
    tmp_path: Path, environ: dict[str, str], config: str, key: str
) -> None:
    write_config(tmp_path, config)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, environ=environ)
    assert caught.value.key == key
    assert key in str(caught.value)


def test_malformed_config_file(tmp_path: Path) -> None:
    write_config(tmp_path, "port = = 1\n")
    with pytest.raises(ConfigError, match=CONFIG_FILE):
        load_settings(tmp_path, environ={})


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    with pytest.raises(ValidationError):
        settings.port = 1  # type: ignore[misc]


def rows_of(settings: Settings) -> dict[str, str]:
    return {key: value for key, value, _ in describe(settings)}


def test_describe_masks_secrets(tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path,
        environ={},
        admin_password="hunter2-hunter2",
        database_url="postgresql://baton:s3cr3t-pw@db.example:5432/baton",
    )
    rows = rows_of(settings)
    assert rows["admin_password"] == "********"
    assert rows["database_url"] == "postgresql://baton:***@db.example:5432/baton"
    shown = " ".join(value for _, value, _ in describe(settings))
    assert "hunter2" not in shown
    assert "s3cr3t-pw" not in shown


def test_describe_lists_every_setting_with_a_description(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    described = describe(settings)
    keys = [key for key, _, _ in described]
    assert {"port", "auth.pam_enabled", "secrets.algorithm", "api.page_size"} <= set(keys)
    assert all(description for _, _, description in described)
    rows = rows_of(settings)
    assert rows["admin_password"] == "(not set)"
    assert rows["port"] == "8080"
    # Without a password in the URL there is nothing to mask.
    assert rows["database_url"] == settings.registry_url


def test_describe_leaves_a_url_without_password_alone(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={}, database_url="postgresql://baton@db/baton")
    assert rows_of(settings)["database_url"] == "postgresql://baton@db/baton"


def test_home_cannot_be_set_in_its_own_config_file(tmp_path: Path) -> None:
    (tmp_path / "baton.toml").write_text('home = "/elsewhere"\n')
    with pytest.raises(ConfigError, match="home") as caught:
        load_settings(tmp_path, environ={})
    assert caught.value.key == "home"
