import { request } from "../api";
import { FormButtons, FormNote } from "./FormParts";
import { FormProblem } from "./FormProblem";
import { apiPath } from "./adminApi";
import { useSubmit } from "./useSubmit";

/** Set a local user's password. The field is uncontrolled and emptied once the API took it. */
export function UserPassword({ name }: { name: string }) {
  const { busy, error, note, onSubmit } = useSubmit(async (form) => {
    const password = String(new FormData(form).get("password") ?? "");
    await request<void>("PUT", `${apiPath("/api/users", name)}/password`, { password });
    form.reset();
    return `Password of ${name} set; their browser sessions were ended.`;
  });

  return (
    <form className="admin-form" aria-label={`Password of ${name}`} onSubmit={onSubmit}>
      <div className="admin-fields">
        <label>
          New password
          <input type="password" name="password" autoComplete="new-password" required />
        </label>
      </div>
      <FormButtons label="Set password" busy={busy} />
      <FormProblem error={error} labels={{ password: "New password" }} />
      <FormNote note={note} />
    </form>
  );
}
