import { useId, type ReactNode } from "react";
import { Link } from "react-router-dom";

/** One chosen record beside its list: a titled section with a Close link back to the list. */
export function AdminPanel({ title, close, children }: { title: string; close: string; children: ReactNode }) {
  const id = useId();
  return (
    <section className="admin-panel" aria-labelledby={`${id}-title`}>
      <div className="admin-panel-head">
        <h3 id={`${id}-title`}>{title}</h3>
        <Link to={close}>Close</Link>
      </div>
      {children}
    </section>
  );
}
