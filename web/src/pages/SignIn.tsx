import { useState, type FormEvent } from "react";

import { signIn } from "../api";

interface Props {
  onSignedIn: () => void | Promise<void>;
  problem?: string;
}

/** The sign-in form: user name and password, the API's refusal shown in words. */
export function SignIn({ onSignedIn, problem = "" }: Props) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(problem);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      await signIn(username, password);
      await onSignedIn();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <h1>Sign in to Baton</h1>
      <form onSubmit={(event) => void submit(event)} aria-describedby="signin-error">
        <label>
          User name
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(event) => setUsername(event.target.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p id="signin-error" role="alert" className="error">
          {error}
        </p>
      </form>
    </main>
  );
}
