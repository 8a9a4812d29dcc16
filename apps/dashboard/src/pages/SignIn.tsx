/** Sign in with an API key; the key is checked by the server before it is kept in this browser. */
import { useState } from "react";
import { describeError } from "../api/errors";
import { Logo } from "../components/Logo";
import { useSessionContext } from "../session";

export function SignIn() {
  const { signIn, notice } = useSessionContext();
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const submit = async () => {
    const apiKey = key.trim();
    if (apiKey === "") {
      setError("Enter your API key.");
      return;
    }
    setPending(true);
    setError(null);
    try {
      await signIn(apiKey);
    } catch (caught) {
      const { message, status } = describeError(caught);
      setError(status === 401 ? "This API key was not accepted. Check it and try again." : message);
      setPending(false);
    }
  };

  return (
    <main className="signin" id="main">
      <div className="signin-card">
        <div className="signin-brand">
          <Logo />
        </div>
        <h1>Sign in</h1>
        <p className="muted">Use an API key of your promptreg organization. It is kept in this browser until you sign out.</p>
        {notice && (
          <div className="callout callout-info" role="status">
            <div className="callout-body">{notice}</div>
          </div>
        )}
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <div className="field">
            <label htmlFor="api-key" className="field-label">
              API key
            </label>
            <input
              id="api-key"
              name="api-key"
              type="password"
              autoComplete="current-password"
              spellCheck={false}
              value={key}
              autoFocus
              placeholder="prk_…"
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? "api-key-error" : "api-key-hint"}
              onChange={(event) => setKey(event.target.value)}
            />
            {error ? (
              <p id="api-key-error" className="field-error" role="alert">
                {error}
              </p>
            ) : (
              <p id="api-key-hint" className="field-hint">
                The instance's bootstrap key (<code>PROMPTREG_API_KEY</code>) or a key created with <code>POST /v1/api-keys</code>.
              </p>
            )}
          </div>
          <button type="submit" className="btn btn-primary btn-block" disabled={pending}>
            {pending ? "Checking key…" : "Sign in"}
          </button>
        </form>
      </div>
    </main>
  );
}
