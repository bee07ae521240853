import { useEffect, useState } from "react";
import { NavLink, useParams } from "react-router-dom";

import type { Me } from "../api";
import { Problem } from "../components/Problem";
import { programsApi } from "../programs/api";
import { ProgramForm } from "../programs/ProgramForm";
import type { ProgramDetail, ProgramSummary } from "../programs/types";
import "../programs/programs.css";

/** The program catalog: the programs you may run, and the chosen one's form and output. */
export function Programs({ me }: { me: Me }) {
  const { program } = useParams();
  const [query, setQuery] = useState("");
  const [programs, setPrograms] = useState<ProgramSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let current = true;
    const timer = window.setTimeout(() => {
      programsApi.list(query).then(
        (page) => current && (setPrograms(page.items), setError(null)),
        (failure: unknown) => current && setError(failure),
      );
    }, 200);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [query, me.user.name]);

  const libraries = new Map<string, ProgramSummary[]>();
  for (const item of programs ?? []) {
    libraries.set(item.library, [...(libraries.get(item.library) ?? []), item]);
  }
  return (
    <div className="programs">
      <nav className="program-list" aria-label="Programs">
        <h1>Programs</h1>
        <label>
          Search programs
          <input type="search" value={query} onChange={(event) => setQuery(event.target.value)} />
        </label>
        <Problem error={error} />
        {programs === null && !error && <p role="status">Loading…</p>}
        {programs?.length === 0 && <p>No program you may run{query ? " matches" : ""}.</p>}
        {[...libraries].map(([library, items]) => (
          <section key={library} aria-label={`Library ${library}`}>
            <h2>{library}</h2>
            <ul>
              {items.map((item) => (
                <li key={item.name}>
                  <NavLink to={`/programs/${item.name}`}>{item.program}</NavLink>
                  {item.summary && <span className="muted"> {item.summary}</span>}
                </li>
              ))}
            </ul>
          </section>
        ))}
      </nav>
      <div className="program-detail">
        {program ? (
          <ProgramView key={program} name={program} />
        ) : (
          <p className="muted">Choose a program to see its form.</p>
        )}
      </div>
    </div>
  );
}

function ProgramView({ name }: { name: string }) {
  const [detail, setDetail] = useState<ProgramDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let current = true;
    programsApi.get(name).then(
      (found) => current && setDetail(found),
      (failure: unknown) => current && setError(failure),
    );
    return () => {
      current = false;
    };
  }, [name]);
  if (error) return <Problem error={error} />;
  if (!detail) return <p role="status">Loading {name}…</p>;
  const signature = detail.signature;
  return (
    <article aria-labelledby="program-title">
      <h2 id="program-title">{detail.name}</h2>
      {signature?.summary && <p>{signature.summary}</p>}
      {signature?.module_summary && signature.module_summary !== signature.summary && (
        <p className="muted">{signature.module_summary}</p>
      )}
      {signature?.returns && (
        <p className="muted">
          Answers {signature.returns.type}
          {signature.returns.description && `: ${signature.returns.description}`}
        </p>
      )}
      <ProgramForm detail={detail} />
    </article>
  );
}
