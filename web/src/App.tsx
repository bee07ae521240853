import { useCallback, useEffect, useState } from "react";
import { NavLink, Navigate, Route, Routes } from "react-router-dom";

import { ApiError, api, signOut, type Me } from "./api";
import { Home } from "./pages/Home";
import { Runs } from "./pages/Runs";
import { SignIn } from "./pages/SignIn";

type Session = { state: "loading" } | { state: "out" } | { state: "in"; me: Me };

/** The whole client: who is signed in decides between the sign-in page and the others. */
export function App() {
  const [session, setSession] = useState<Session>({ state: "loading" });
  const [problem, setProblem] = useState("");

  const refresh = useCallback(async () => {
    try {
      setSession({ state: "in", me: await api.me() });
      setProblem("");
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        setSession({ state: "out" });
      } else {
        setSession({ state: "out" });
        setProblem(error instanceof Error ? error.message : String(error));
      }
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  if (session.state === "loading") {
    return <p role="status">Loading…</p>;
  }
  if (session.state === "out") {
    return <SignIn onSignedIn={refresh} problem={problem} />;
  }
  const leave = async () => {
    try {
      await signOut();
    } finally {
      setSession({ state: "out" });
    }
  };
  return (
    <div className="layout">
      <header>
        <span className="brand">Baton</span>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Home
          </NavLink>
          <NavLink to="/runs">Runs</NavLink>
        </nav>
        <span className="who">
          Signed in as <strong>{session.me.user.name}</strong>
        </span>
        <button type="button" onClick={() => void leave()}>
          Sign out
        </button>
      </header>
      <main>
        <Routes>
          <Route path="/" element={<Home me={session.me} />} />
          <Route path="/runs" element={<Runs />} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </main>
    </div>
  );
}
