import { Suspense, lazy, useCallback, useEffect, useState } from "react";
import { NavLink, Navigate, Route, Routes, useLocation } from "react-router-dom";

import { ApiError, api, signOut, type Me } from "./api";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { Home } from "./pages/Home";
import { Programs } from "./pages/Programs";
import { SignIn } from "./pages/SignIn";

// The heavier pages (graphs, charts) load when first visited.
const Administration = lazy(() =>
  import("./admin/Administration").then((m) => ({ default: m.Administration })),
);
const Designer = lazy(() => import("./designer/Designer").then((m) => ({ default: m.Designer })));
const Jobs = lazy(() => import("./designer/Jobs").then((m) => ({ default: m.Jobs })));
const OperatorConsole = lazy(() =>
  import("./operator/OperatorConsole").then((m) => ({ default: m.OperatorConsole })),
);
const Runs = lazy(() => import("./pages/Runs").then((m) => ({ default: m.Runs })));
const Tokens = lazy(() => import("./pages/Tokens").then((m) => ({ default: m.Tokens })));
const RunPage = lazy(() => import("./runs/RunPage").then((m) => ({ default: m.RunPage })));
const Workspaces = lazy(() =>
  import("./workspaces/Workspaces").then((m) => ({ default: m.Workspaces })),
);

type Session = { state: "loading" } | { state: "out" } | { state: "in"; me: Me };

/** The whole client: who is signed in decides between the sign-in page and the others. */
export function App() {
  const [session, setSession] = useState<Session>({ state: "loading" });
  const [problem, setProblem] = useState("");
  const location = useLocation();

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
        <ErrorBoundary resetKey={location.pathname}>
          <Suspense fallback={<p role="status">Loading…</p>}>
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
          </Suspense>
        </ErrorBoundary>
      </main>
    </div>
  );
}
