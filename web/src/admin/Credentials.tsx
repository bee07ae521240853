import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";

import { CredentialForm } from "./CredentialForm";
import { CredentialPanel } from "./CredentialPanel";
import { FormProblem } from "./FormProblem";
import { Pager } from "./Pager";
import { when, type CredentialRecord } from "./adminApi";
import { usePaged } from "./usePaged";

const credentialPath = (name: string) => `/admin/credentials/${encodeURIComponent(name)}`;

/** Stored launch credentials: OS accounts that servers run as. Their secrets go in, never out. */
export function Credentials() {
  const { name } = useParams();
  const navigate = useNavigate();
  const credentials = usePaged<CredentialRecord>("/api/credentials");
  const [creating, setCreating] = useState(false);

  return (
    <section aria-labelledby="admin-credentials-title">
      <div className="admin-head">
        <h2 id="admin-credentials-title">Credentials</h2>
        <button type="button" aria-expanded={creating} onClick={() => setCreating(!creating)}>
          New credential
        </button>
      </div>
      {creating && (
        <CredentialForm
          onCancel={() => setCreating(false)}
          onSaved={(credential) => {
            setCreating(false);
            credentials.reload();
            navigate(credentialPath(credential.name));
          }}
        />
      )}
      {name && (
        <CredentialPanel
          key={name}
          name={name}
          onChanged={credentials.reload}
          onDeleted={() => {
            credentials.reload();
            navigate("/admin/credentials");
          }}
        />
      )}
      <FormProblem error={credentials.error} />
      {credentials.page === null ? (
        !credentials.error && <p role="status">Loading credentials…</p>
      ) : credentials.page.total === 0 ? (
        <p>No stored credential.</p>
      ) : (
        <>
          <table className="admin-table">
            <caption className="visually-hidden">Credentials</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">OS account</th>
                <th scope="col">Description</th>
                <th scope="col">Secret</th>
                <th scope="col">Changed</th>
              </tr>
            </thead>
            <tbody>
              {credentials.page.items.map((credential) => (
                <tr key={credential.id} aria-current={credential.name === name ? "true" : undefined}>
                  <th scope="row">
                    <Link to={credentialPath(credential.name)}>{credential.name}</Link>
                  </th>
                  <td>{credential.username}</td>
                  <td>{credential.description}</td>
                  <td>set ({credential.algorithm})</td>
                  <td>{when(credential.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={credentials.page} noun={["credential", "credentials"]} onOffset={credentials.setOffset} />
        </>
      )}
    </section>
  );
}
