import { useId, useState, type FormEvent } from "react";

import { request } from "../api";
import { FormProblem, NAME_HINT, isInvalid } from "./FormProblem";
import { apiPath, type CredentialRecord } from "./adminApi";

const LABELS = { name: "Name", username: "OS account", secret: "Secret", description: "Description" };

interface Props {
  /** The credential to change; none: a new one. */
  credential?: CredentialRecord;
  onSaved: (credential: CredentialRecord) => void;
  onCancel?: () => void;
}

/** A new credential, or a credential's account, description and secret. The secret is write-
 * only: the field starts empty, is never filled from the API (which never returns it), is
 * uncontrolled (so its value never becomes an attribute of the page), and is emptied once the
 * API took it. Leaving it empty when changing keeps the stored secret. */
export function CredentialForm({ credential, onSaved, onCancel }: Props) {
  const id = useId();
  const [name, setName] = useState("");
  const [username, setUsername] = useState(credential?.username ?? "");
  const [description, setDescription] = useState(credential?.description ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState("");

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const secret = String(new FormData(form).get("secret") ?? "");
    setBusy(true);
    setError(null);
    setNote("");
    try {
      let saved: CredentialRecord;
      if (credential) {
        const body: Record<string, string> = { username: username.trim(), description };
        if (secret) body.secret = secret;
        saved = await request<CredentialRecord>("PATCH", apiPath("/api/credentials", credential.name), body);
        setNote(secret ? "Saved, with the new secret." : "Saved; the stored secret is unchanged.");
      } else {
        saved = await request<CredentialRecord>("POST", "/api/credentials", {
          name: name.trim(),
          username: username.trim(),
          secret,
          description,
        });
      }
      form.reset();
      onSaved(saved);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="admin-form"
      aria-label={credential ? `Credential ${credential.name}` : undefined}
      aria-labelledby={credential ? undefined : `${id}-title`}
      autoComplete="off"
      onSubmit={(event) => void submit(event)}
    >
      {!credential && <h3 id={`${id}-title`}>New credential</h3>}
      <div className="admin-fields">
        {!credential && (
          <label>
            Name
            <input value={name} onChange={(event) => setName(event.target.value)} required aria-invalid={isInvalid(error, "name")} />
          </label>
        )}
        <label>
          OS account
          <input
            value={username}
            onChange={(event) => setUsername(event.target.value)}
            required
            aria-invalid={isInvalid(error, "username")}
          />
        </label>
        <div className="admin-field">
          <label>
            {credential ? "New secret" : "Secret"}
            <input
              type="password"
              name="secret"
              autoComplete="new-password"
              required={!credential}
              aria-describedby={`${id}-secret-hint`}
              aria-invalid={isInvalid(error, "secret")}
            />
          </label>
          <span id={`${id}-secret-hint`} className="muted">
            {credential
              ? "A secret is stored; it is never shown. Leave empty to keep it."
              : "Stored encrypted; never shown again."}
          </span>
        </div>
        <label>
          Description
          <input value={description} onChange={(event) => setDescription(event.target.value)} />
        </label>
      </div>
      <FormProblem
        error={error}
        labels={LABELS}
        hints={{ name: NAME_HINT, username: "an OS account name: a letter or _, then letters, digits, _ . or -" }}
      />
      {note && (
        <p role="status" className="admin-note">
          {note}
        </p>
      )}
      <div className="admin-actions">
        <button type="submit" disabled={busy}>
          {credential ? "Save credential" : "Store credential"}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
