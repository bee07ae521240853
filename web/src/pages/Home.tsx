import { useEffect, useState } from "react";
import { Link } from "react-router-dom";

import { api, type Me, type Run, type Service } from "../api";
import { Pools } from "./Pools";
import { RunTable } from "./RunTable";

/** Home: who you are, the services you may use, the latest runs and failures. */
export function Home({ me }: { me: Me }) {
  const [services, setServices] = useState<Service[] | null>(null);
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [queued, setQueued] = useState<Run[]>([]);
  const [error, setError] = useState("");

  useEffect(() => {
    const load = async () => {
      try {
        const [servicePage, runPage, queue] = await Promise.all([
          api.services(),
          api.runs({ limit: "10" }),
          api.queue(),
        ]);
        setServices(servicePage.items);
        setRuns(runPage.items);
        setQueued(queue);
      } catch (failure) {
        setError(failure instanceof Error ? failure.message : String(failure));
      }
    };
    void load();
  }, []);

  const failed = (runs ?? []).filter((run) => run.state === "FAILED" || run.state === "CRASHED");
  return (
    <>
      <h1>Welcome, {me.user.display_name || me.user.name}</h1>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <section aria-labelledby="services-title">
        <h2 id="services-title">Services</h2>
        {services === null ? (
          <p role="status">Loading…</p>
        ) : services.length === 0 ? (
          <p>No service you may use.</p>
        ) : (
          <ul className="services">
            {services.map((service) => (
              <li key={service.name}>
                <strong>{service.name}</strong> ({service.kind})
                {service.enabled ? "" : " — disabled"}
                {service.description && <span className="muted"> {service.description}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
      {(me.capabilities.includes("operate") || me.capabilities.includes("administer")) && (
        <section aria-labelledby="pools-title">
          <h2 id="pools-title">Servers</h2>
          <Pools />
        </section>
      )}
      <section aria-labelledby="runs-title">
        <h2 id="runs-title">Recent runs</h2>
        <p>
          {queued.length === 0
            ? "No run is waiting in the queue."
            : `${queued.length} run${queued.length === 1 ? "" : "s"} waiting in the queue.`}
        </p>
        {runs === null ? <p role="status">Loading…</p> : <RunTable runs={runs} />}
        {failed.length > 0 && (
          <p className="error">
            {failed.length} of the latest runs failed or crashed.
          </p>
        )}
        <p>
          <Link to="/runs">All runs</Link>
        </p>
      </section>
    </>
  );
}
