import { useCallback, useEffect, useState } from "react";
import { NavLink, Navigate, Route, Routes } from "react-router-dom";

import { Administration } from "./admin/Administration";
import { ApiError, api, signOut, type Me } from "./api";
import { Designer } from "./designer/Designer";
import { Jobs } from "./designer/Jobs";
import { OperatorConsole } from "./operator/OperatorConsole";
import { Home } from "./pages/Home";
import { Programs } from "./pages/Programs";
import { Runs } from "./pages/Runs";
import { SignIn } from "./pages/SignIn";
import { Tokens } from "./pages/Tokens";
import { RunPage } from "./runs/RunPage";
import { Workspaces } from "./workspaces/Workspaces";

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
  const me = session.me;
  const may = (capability: string) =>
    me.capabilities.includes(capability) || me.capabilities.includes("administer");
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
          <NavLink to="/programs">Programs</NavLink>
          <NavLink to="/jobs">Jobs</NavLink>
          <NavLink to="/runs">Runs</NavLink>
          <NavLink to="/workspaces">Workspaces</NavLink>
          {may("operate") && <NavLink to="/operator">Operator</NavLink>}
          {may("administer") && <NavLink to="/admin">Administration</NavLink>}
        </nav>
        <span className="who">
          Signed in as <NavLink to="/tokens">{me.user.name}</NavLink>
        </span>
        <button type="button" onClick={() => void leave()}>
          Sign out
        </button>
      </header>
      <main>
        <Routes>
          <Route path="/" element={<Home me={me} />} />
          <Route path="/programs" element={<Programs me={me} />} />
          <Route path="/programs/:program" element={<Programs me={me} />} />
          <Route path="/jobs" element={<Jobs me={me} />} />
          <Route path="/jobs/new" element={<Designer me={me} />} />
          <Route path="/jobs/:name" element={<Designer me={me} />} />
          <Route path="/runs" element={<Runs />} />
          <Route path="/runs/:id" element={<RunPage me={me} />} />
          <Route path="/workspaces" element={<Workspaces me={me} />} />
          <Route path="/tokens" element={<Tokens me={me} />} />
          {may("operate") && <Route path="/operator" element={<OperatorConsole me={me} />} />}
          {may("administer") && (
            <Route path="/admin/*" element={<Administration me={me} />} />
          )}
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </main>
    </div>
  );
}
