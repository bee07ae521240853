import { useCallback, useEffect, useState, type FormEvent } from "react";

import { request, type Me, type Page } from "../api";
import { ConfirmButton } from "../components/ConfirmButton";
import { Problem } from "../components/Problem";
import { CopyButton } from "../workspaces/CopyButton";
import "../workspaces/workspaces.css";

/** An API token as listed (src/baton/registry/records.py TokenRecord): never its secret. */
interface Token {
  id: number;
  user: string;
  name: string;
  prefix: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** A token as created: the only answer that holds its secret. */
interface Issued {
  token: string;
  info: Token;
}

const PAGE = 50;

function when(moment: string | null, none = "—"): string {
  return moment ? new Date(moment).toLocaleString() : none;
}

function status(token: Token): string {
  if (token.revoked_at) return `Revoked ${when(token.revoked_at)}`;
  return new Date(token.expires_at) <= new Date() ? "Expired" : "Active";
}

/** A new token's secret, shown this once. */
function Secret({ issued, onDone }: { issued: Issued; onDone: () => void }) {
  return (
    <div className="tokens-secret" role="region" aria-label={`New token ${issued.info.name}`}>
      <p role="alert">
        <strong>Copy the token “{issued.info.name}” now: it will not be shown again.</strong>
      </p>
      <label>
        Token
        <input readOnly value={issued.token} onFocus={(event) => event.target.select()} />
      </label>
      <CopyButton text={issued.token} name="Copy the token" />{" "}
      <button type="button" onClick={onDone}>
        Done
      </button>
      <p className="muted">
        Send it as <code>Authorization: Bearer …</code>; it acts as you until{" "}
        {when(issued.info.expires_at)} or until you revoke it.
      </p>
    </div>
  );
}

/** The form that creates a token. */
function NewToken({ onIssued }: { onIssued: (issued: Issued) => void }) {
  const [name, setName] = useState("");
  const [days, setDays] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = days ? { name, days: Number(days) } : { name };
      onIssued(await request<Issued>("POST", "/api/tokens", body));
      setName("");
      setDays("");
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="tokens-form" onSubmit={(event) => void create(event)}>
      <label>
        Name
        <input required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <label>
        Expires after (days)
        <input
          type="number"
          min={1}
          max={3650}
          step={1}
          placeholder="server default"
          value={days}
          onChange={(event) => setDays(event.target.value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? "Creating…" : "Create token"}
      </button>
      <Problem error={error} />
    </form>
  );
}

/** The user's own password: the current one, and the new one twice. */
function PasswordForm() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [changed, setChanged] = useState(false);

  const change = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (next !== again) {
      setError("The new password and its repetition differ.");
      return;
    }
    setBusy(true);
    try {
      await request<void>("PUT", "/api/me/password", {
        current_password: current,
        new_password: next,
      });
      setChanged(true);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  if (changed) {
    return (
      <div role="status">
        <p>Password changed. Every browser session of yours has ended, this one too.</p>
        <button type="button" onClick={() => window.location.reload()}>
          Sign in again
        </button>
      </div>
    );
  }
  return (
    <form className="tokens-password" onSubmit={(event) => void change(event)}>
      <label>
        Current password
        <input type="password" required autoComplete="current-password" value={current} onChange={(event) => setCurrent(event.target.value)} />
      </label>
      <label>
        New password
        <input type="password" required autoComplete="new-password" value={next} onChange={(event) => setNext(event.target.value)} />
      </label>
      <label>
        New password again
        <input type="password" required autoComplete="new-password" value={again} onChange={(event) => setAgain(event.target.value)} />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? "Changing…" : "Change password"}
      </button>
      <Problem error={error} />
    </form>
  );
}

/** Your account: your API tokens (create, revoke) and your password. */
export function Tokens({ me }: { me: Me }) {
  const [tokens, setTokens] = useState<Page<Token> | null>(null);
  const [issued, setIssued] = useState<Issued | null>(null);
  const [error, setError] = useState<unknown>(null);
  const source = me.user.auth_source ?? "local";

  const load = useCallback(async (limit: number) => {
    try {
      setTokens(await request<Page<Token>>("GET", `/api/tokens?limit=${limit}`));
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  }, []);

  useEffect(() => {
    void load(PAGE);
  }, [load]);

  const shown = tokens?.items.length ?? 0;
  const revoke = async (token: Token) => {
    try {
      await request<Token>("DELETE", `/api/tokens/${token.id}`);
    } catch (failure) {
      setError(failure);
    }
    await load(Math.max(PAGE, shown));
  };

  return (
    <>
      <h1>Your account</h1>
      <p className="muted">
        Signed in as {me.user.name}
        {me.user.display_name && ` (${me.user.display_name})`}.
      </p>
      <section aria-labelledby="tokens-title">
        <h2 id="tokens-title">API tokens</h2>
        <p className="muted">Scripts and the command line use a token instead of your password.</p>
        {issued && <Secret issued={issued} onDone={() => setIssued(null)} />}
        <NewToken
          onIssued={(token) => {
            setIssued(token);
            void load(Math.max(PAGE, shown + 1));
          }}
        />
        <Problem error={error} />
        {tokens === null ? (
          error ? null : <p role="status">Loading…</p>
        ) : tokens.items.length === 0 ? (
          <p>No token yet.</p>
        ) : (
          <table>
            <caption className="visually-hidden">Your API tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.items.map((token) => (
                <tr key={token.id}>
                  <th scope="row">{token.name}</th>
                  <td><code>{token.prefix}…</code></td>
                  <td>{when(token.created_at)}</td>
                  <td>{when(token.expires_at)}</td>
                  <td>{when(token.last_used_at, "never")}</td>
                  <td>{status(token)}</td>
                  <td>
                    {status(token) === "Active" && (
                      <ConfirmButton
                        label="Revoke"
                        target={`token ${token.name}`}
                        question={`Revoke “${token.name}”? Whatever uses it stops working.`}
                        groupName={`Revoke “${token.name}”? Whatever uses it stops working.`}
                        confirm="Revoke token"
                        onConfirm={() => revoke(token)}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {tokens && tokens.total > shown && (
          <button type="button" onClick={() => void load(shown + PAGE)}>
            Show more ({tokens.total - shown} not shown)
          </button>
        )}
      </section>
      <section aria-labelledby="password-title">
        <h2 id="password-title">Password</h2>
        {source === "local" ? (
          <PasswordForm />
        ) : (
          <p>You sign in with your account on the host: change your password there.</p>
        )}
      </section>
    </>
  );
}
