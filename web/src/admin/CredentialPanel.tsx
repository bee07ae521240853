import { useState } from "react";

import { request } from "../api";
import { AdminPanel } from "./AdminPanel";
import { Confirm, type Confirmation } from "./Confirm";
import { CredentialForm } from "./CredentialForm";
import { FormProblem } from "./FormProblem";
import { apiPath, when, type CredentialRecord } from "./adminApi";
import { useRecord } from "./useRecord";

interface Props {
  name: string;
  onChanged: () => void;
  onDeleted: () => void;
}

/** One credential: what is known of it (never its secret), changing it, deleting it (the API
 * refuses while a server definition uses it, and says which). */
export function CredentialPanel({ name, onChanged, onDeleted }: Props) {
  const [confirming, setConfirming] = useState<Confirmation | null>(null);
  const path = apiPath("/api/credentials", name);
  const { record: credential, setRecord: setCredential, loadError } = useRecord<CredentialRecord>(path);

  if (loadError) return <FormProblem error={loadError} />;
  if (credential === null) return <p role="status">Loading credential {name}…</p>;

  const remove = () =>
    setConfirming({
      title: `Delete credential ${name}?`,
      message: "Its encrypted secret is erased. Server definitions that use it must be changed first.",
      action: "Delete credential",
      run: async () => {
        await request<void>("DELETE", path);
        onDeleted();
      },
    });

  return (
    <AdminPanel title={`Credential ${credential.name}`} close="/admin/credentials">
      <p className="muted">
        Secret: set, encrypted with {credential.algorithm} (key {credential.key_id}) · changed{" "}
        {when(credential.updated_at)}
      </p>
      <CredentialForm
        credential={credential}
        onSaved={(saved) => {
          setCredential(saved);
          onChanged();
        }}
      />
      <div className="admin-actions">
        <button type="button" className="admin-danger" onClick={remove}>
          Delete credential
        </button>
      </div>
      <Confirm confirmation={confirming} onClose={() => setConfirming(null)} />
    </AdminPanel>
  );
}
