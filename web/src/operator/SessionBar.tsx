import type { Me } from "../api";
import { ConfirmButton } from "../components/ConfirmButton";
import { Problem } from "../components/Problem";
import { clock, duration } from "./format";
import { CHANGE } from "./looks";
import type { SessionView } from "./types";
import type { Loaded } from "./useOperatorData";

export interface SessionBarProps {
  me: Me;
  session: Loaded<SessionView>;
  onTake: (force: boolean) => Promise<void>;
  onRelease: () => Promise<void>;
}

/** Who holds this host's operator session (one operator acts at a time), and why actions
 * would be refused. */
export function SessionBar({ me, session, onTake, onRelease }: SessionBarProps) {
  const view = session.value;
  let body;
  if (view === null) {
    body = session.error ? null : <span role="status">Reading the operator session…</span>;
  } else if (view.yours) {
    body = (
      <>
        <span>
          You hold the operator session{view.since ? ` since ${clock(view.since)}` : ""}; it
          lapses after {duration(view.lapse_seconds)} without an action.
        </span>
        <button type="button" className="operator-button" onClick={() => void onRelease()}>
          Release the session
        </button>
      </>
    );
  } else if (view.holder) {
    const administer = me.capabilities.includes("administer");
    body = (
      <>
        <span>
          Operator session held by <strong>{view.holder}</strong>
          {view.since ? ` since ${clock(view.since)}` : ""}: your actions are refused until they
          release it or it lapses ({duration(view.lapse_seconds)} without an action).
        </span>
        {administer && (
          <ConfirmButton
            label="Take over"
            look={CHANGE}
            target="the operator session"
            question={`Take the operator session from ${view.holder}? This is audited.`}
            onConfirm={() => onTake(true)}
          />
        )}
      </>
    );
  } else {
    body = (
      <>
        <span>
          The operator session is free: your first action takes it, so that no other operator
          acts at the same time. It is released when you leave this page.
        </span>
        <button type="button" className="operator-button" onClick={() => void onTake(false)}>
          Take the session now
        </button>
      </>
    );
  }
  const busy = view !== null && !view.yours && view.holder !== null;
  return (
    <section
      aria-labelledby="operator-session-title"
      className={busy ? "operator-session operator-session-busy" : "operator-session"}
    >
      <h2 id="operator-session-title" className="visually-hidden">
        Operator session
      </h2>
      {body}
      <Problem error={session.error} />
    </section>
  );
}
