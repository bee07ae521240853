import { useId, useState } from "react";

import { request } from "../api";
import { FormButtons, FormNote, TextField } from "./FormParts";
import { FormProblem, NAME_HINT, isInvalid } from "./FormProblem";
import { apiPath, type CredentialRecord } from "./adminApi";
import { useSubmit } from "./useSubmit";

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

  const { busy, error, note, onSubmit } = useSubmit(async (form) => {
    const secret = String(new FormData(form).get("secret") ?? "");
    let saved: CredentialRecord;
    let done = "";
    if (credential) {
      const body: Record<string, string> = { username: username.trim(), description };
      if (secret) body.secret = secret;
      saved = await request<CredentialRecord>("PATCH", apiPath("/api/credentials", credential.name), body);
      done = secret ? "Saved, with the new secret." : "Saved; the stored secret is unchanged.";
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
    return done;
  });

  return (
    <form
      className="admin-form"
      aria-label={credential ? `Credential ${credential.name}` : undefined}
      aria-labelledby={credential ? undefined : `${id}-title`}
      autoComplete="off"
      onSubmit={onSubmit}
    >
      {!credential && <h3 id={`${id}-title`}>New credential</h3>}
      <div className="admin-fields">
        {!credential && (
          <TextField label="Name" value={name} onChange={setName} required invalid={isInvalid(error, "name")} />
        )}
        <TextField
          label="OS account"
          value={username}
          onChange={setUsername}
          required
          invalid={isInvalid(error, "username")}
        />
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
        <TextField label="Description" value={description} onChange={setDescription} />
      </div>
      <FormProblem
        error={error}
        labels={LABELS}
        hints={{ name: NAME_HINT, username: "an OS account name: a letter or _, then letters, digits, _ . or -" }}
      />
      <FormNote note={note} />
      <FormButtons label={credential ? "Save credential" : "Store credential"} busy={busy} onCancel={onCancel} />
    </form>
  );
}
