"""The administration pages in a real browser against a real control plane: users, groups,
roles, permissions per resource, credentials (whose secrets never reach the page) and the audit
log; and a user without the administer capability sees none of it.

Every change made through the pages is checked through the API or the registry, not only on
the page that made it.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from baton.registry import credentials
from baton.registry.vault import Vault
from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER
from tests.runtime.conftest import Runtime
from tests.web.conftest import screenshot, signed_in

ADA_PASSWORD = "ada-password-1"


def open_admin(page: Page, live: Runtime) -> None:
    """Sign in as the admin and open Administration from the main navigation."""
    signed_in(page, "admin", live.installation.admin_password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", name="Administration", level=1)).to_be_visible()
    expect(page).to_have_url(f"{live.url}/admin/users")


def section(page: Page, name: str) -> None:
    """Go to one part of Administration through its own navigation."""
    page.get_by_role("navigation", name="Administration").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, level=2)).to_be_visible()


def create_ada(page: Page) -> None:
    """Create the user ada through the form, after one refusal from the API."""
    page.get_by_role("button", name="New user").click()
    page.get_by_label("Name", exact=True).fill("9lives")
    page.get_by_label("Password", exact=True).fill(ADA_PASSWORD)
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Name: a letter, then up to 63 letters, digits, _ or -"
    )
    page.get_by_label("Name", exact=True).fill("ada")
    page.get_by_label("Display name", exact=True).fill("Ada Lovelace")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("heading", name="User ada")).to_be_visible()
    expect(page.get_by_role("rowheader", name="ada", exact=True)).to_be_visible()


def test_admin_creates_a_user_grants_run_on_a_program_and_reads_the_audit(
    live: Runtime, page: Page
) -> None:
    open_admin(page, live)
    create_ada(page)
    with live.client("ada", ADA_PASSWORD) as ada:
        assert ada.get("/api/me").json()["user"]["display_name"] == "Ada Lovelace"

    section(page, "Permissions")
    page.get_by_label("Resource kind").select_option("program")
    page.get_by_label("Resource name").fill("sample.add")
    page.get_by_role("button", name="Show grants").click()
    expect(page).to_have_url(f"{live.url}/admin/permissions?kind=program&name=sample.add")
    heading = page.get_by_role("heading", name="Who may do what on program sample.add")
    expect(heading).to_be_visible()
    page.get_by_label("Holder kind").select_option("user")
    page.get_by_label("Holder", exact=True).fill("ada")
    page.get_by_label("Action").select_option("run")
    page.get_by_role("button", name="Grant", exact=True).click()
    revoke = page.get_by_role("button", name="Revoke run on program sample.add from user ada")
    expect(revoke).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="user ada")).to_contain_text("run")
    with live.admin() as admin:
        held = admin.get(
            "/api/permissions", params={"principal_kind": "user", "holder": "ada"}
        ).json()["items"]
    assert [(g["resource_kind"], g["resource_name"], g["action"]) for g in held] == [
        ("program", "sample.add", "run")
    ]
    screenshot(page, "admin")

    section(page, "Audit log")
    page.get_by_label("Actor").fill("admin")
    page.get_by_label("Action").fill("grant")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page).to_have_url(f"{live.url}/admin/audit?actor=admin&action=grant")
    granted = page.get_by_role("row").filter(has_text="program:sample.add")
    expect(granted).to_have_count(1)
    expect(granted).to_contain_text("principal: user:ada")
    expect(granted).to_contain_text("ok")
    # The filter is the API's: no other action is listed.
    expect(page.get_by_role("cell", name="user.create", exact=True)).to_have_count(0)
    page.get_by_label("Action").fill("user.create")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.get_by_role("row").filter(has_text="user:ada")).to_have_count(1)
    expect(page.get_by_role("cell", name="grant", exact=True)).to_have_count(0)

    # Revoking asks first; cancelling keeps the grant.
    page.goto("/admin/permissions?kind=program&name=sample.add")
    revoke.click()
    dialog = page.get_by_role("alertdialog", name="Revoke run from user ada?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    with live.admin() as admin:
        assert admin.get("/api/permissions", params={"resource_kind": "program"}).json()["total"]
    revoke.click()
    dialog.get_by_role("button", name="Revoke").click()
    expect(revoke).to_have_count(0)
    # What the installation grants every signed-in user on the whole library still applies.
    expect(page.get_by_role("rowheader", name="group AUTHENTICATED")).to_have_count(2)
    with live.admin() as admin:
        left = admin.get("/api/permissions", params={"principal_kind": "user", "holder": "ada"})
        assert left.json()["items"] == []
    assert [e.resource for e in live.audit("revoke", actor="admin")] == ["program:sample.add"]


def test_admin_changes_disables_and_deletes_a_user(live: Runtime, page: Page) -> None:
    open_admin(page, live)
    create_ada(page)

    page.get_by_label("Display name", exact=True).fill("Countess Lovelace")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    page.get_by_role("button", name="Disable account").click()
    expect(page.get_by_role("button", name="Enable account")).to_be_visible()
    with live.admin() as admin:
        record = admin.get("/api/users/ada").json()
    assert (record["display_name"], record["disabled"]) == ("Countess Lovelace", True)
    with live.client("ada", ADA_PASSWORD) as ada:
        assert ada.get("/api/me").status_code == 401
    page.get_by_role("button", name="Enable account").click()
    expect(page.get_by_role("button", name="Disable account")).to_be_visible()

    page.get_by_label("New password", exact=True).fill("a-new-password-2")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("Password of ada set")).to_be_visible()
    assert "a-new-password-2" not in page.content()
    with live.client("ada", "a-new-password-2") as ada:
        assert ada.get("/api/me").status_code == 200

    # No way to disable or delete oneself.
    page.get_by_label("Search users").fill("ADA")  # names, display names, emails; any case
    expect(page.get_by_role("rowheader")).to_have_text(["ada"])
    page.get_by_label("Search users").fill("")
    expect(page.get_by_role("rowheader", name="admin")).to_be_visible()
    page.get_by_label("Find a user by name").fill("admin")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", name="User admin")).to_be_visible()
    expect(page.get_by_role("button", name="Delete user")).to_have_count(0)
    expect(page.get_by_role("button", name="Disable account")).to_have_count(0)
    page.get_by_label("Find a user by name").fill("nobody")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("alert")).to_contain_text("user 'nobody' does not exist")

    page.get_by_role("rowheader", name="ada").get_by_role("link").click()
    page.get_by_role("button", name="Delete user").click()
    page.get_by_role("alertdialog", name="Delete user ada?").get_by_role(
        "button", name="Delete user"
    ).click()
    expect(page).to_have_url(f"{live.url}/admin/users")
    expect(page.get_by_role("rowheader", name="ada", exact=True)).to_have_count(0)
    with live.admin() as admin:
        assert admin.get("/api/users/ada").status_code == 404


def test_a_role_given_to_a_group_reaches_its_members(live: Runtime, page: Page) -> None:
    open_admin(page, live)
    create_ada(page)

    section(page, "Groups")
    page.get_by_role("button", name="New group").click()
    page.get_by_label("Name", exact=True).fill("analysts")
    page.get_by_role("button", name="Create group").click()
    expect(page.get_by_role("heading", name="Group analysts")).to_be_visible()
    page.get_by_label("User to add").fill("ada")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_role("list", name="Members of analysts")).to_contain_text("ada")

    section(page, "Roles")
    page.get_by_role("button", name="New role").click()
    page.get_by_label("Name", exact=True).fill("watchers")
    page.get_by_label("operate: the operator console").check()
    page.get_by_role("button", name="Create role").click()
    expect(page.get_by_role("heading", name="Role watchers")).to_be_visible()
    page.get_by_label("Give to a").select_option("group")
    page.get_by_label("Named").fill("analysts")
    page.get_by_role("button", name="Give role").click()
    expect(page.get_by_role("list", name="Holders of watchers")).to_contain_text("group analysts")
    with live.client("ada", ADA_PASSWORD) as ada:
        assert "operate" in ada.get("/api/me").json()["capabilities"]

    page.get_by_role("button", name="Take watchers from group analysts").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Take away").click()
    expect(page.get_by_text("Nobody holds this role.")).to_be_visible()
    with live.client("ada", ADA_PASSWORD) as ada:
        assert "operate" not in ada.get("/api/me").json()["capabilities"]

    # A built-in role's capabilities are fixed: the page does not offer to change them.
    page.get_by_role("rowheader", name="admin (built in)").get_by_role("link").click()
    fixed = page.get_by_role("group", name="Capabilities (a built-in role's are fixed)")
    expect(fixed.get_by_role("checkbox", name="administer: everything")).to_be_checked()
    expect(fixed.get_by_role("checkbox", name="administer: everything")).to_be_disabled()
    expect(page.get_by_role("button", name="Delete role")).to_have_count(0)


def test_a_credential_secret_never_reaches_the_page(live: Runtime, page: Page) -> None:
    first, second = "s3cret-Value-4711", "an0ther-Secret-0815"
    open_admin(page, live)
    section(page, "Credentials")
    page.get_by_role("button", name="New credential").click()
    page.get_by_label("Name", exact=True).fill("launch")
    page.get_by_label("OS account").fill("baton")
    page.get_by_label("Secret", exact=True).fill(first)
    page.get_by_label("Description").fill("pool servers")
    page.get_by_role("button", name="Store credential").click()
    expect(page.get_by_role("heading", name="Credential launch")).to_be_visible()
    expect(page.get_by_text("Secret: set, encrypted with")).to_be_visible()
    expect(page.get_by_label("New secret")).to_have_value("")
    assert first not in page.content()
    page.reload()
    expect(page.get_by_role("heading", name="Credential launch")).to_be_visible()
    assert first not in page.content()

    page.get_by_label("New secret").fill(second)
    page.get_by_role("button", name="Save credential").click()
    expect(page.get_by_text("Saved, with the new secret.")).to_be_visible()
    expect(page.get_by_label("New secret")).to_have_value("")
    assert second not in page.content() and first not in page.content()
    settings = live.installation.settings
    with Vault.using(settings.key_path) as vault, live.installation.database.session() as s:
        assert credentials.reveal(s, vault, "launch") == ("baton", second)

    page.get_by_role("button", name="Delete credential").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete credential").click()
    expect(page.get_by_text("No stored credential.")).to_be_visible()
    with live.admin() as admin:
        assert admin.get("/api/credentials/launch").status_code == 404


def test_a_user_without_administer_sees_no_administration(live: Runtime, page: Page) -> None:
    signed_in(page, PLAIN_USER, PLAIN_PASSWORD)
    main = page.get_by_role("navigation", name="Main")
    expect(main.get_by_role("link", name="Home")).to_be_visible()
    expect(main.get_by_role("link", name="Administration")).to_have_count(0)
    page.goto("/admin/users")
    expect(page).to_have_url(f"{live.url}/")
    expect(page.get_by_role("heading", name="Administration")).to_have_count(0)
    assert page.request.get(f"{live.url}/api/users").status == 403
