import { useState } from "react";

interface Props {
  text: string;
  label?: string;
  /** Its accessible name when several are on the page. */
  name?: string;
}

/** Copies text to the clipboard and says whether it could (the clipboard needs a secure
 * page: HTTPS or localhost). */
export function CopyButton({ text, label = "Copy", name }: Props) {
  const [said, setSaid] = useState("");
  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      setSaid("Copied.");
    } catch {
      setSaid("Could not copy here: select the text and copy it.");
    }
  };
  return (
    <>
      <button type="button" aria-label={name} onClick={() => void copy()}>
        {label}
      </button>
      <span role="status" className="muted ws-said">
        {said}
      </span>
    </>
  );
}
