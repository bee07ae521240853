import { useState, type FormEvent } from "react";

/** A form's sending: `send` gets the form (read its uncontrolled fields before any await) and
 * may return a note of what was done. While it works `busy` is true; its failure is `error`
 * (for FormProblem), its note `note` (for FormNote); both are cleared by the next submit. */
export function useSubmit(send: (form: HTMLFormElement) => Promise<string | void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState("");

  const submit = async (form: HTMLFormElement) => {
    setBusy(true);
    setError(null);
    setNote("");
    try {
      const done = await send(form);
      if (done) setNote(done);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void submit(event.currentTarget);
  };

  return { busy, error, note, onSubmit };
}
