/**
 * Edits a prompt body: messages (role + highlighted text, or JSON for structured ones), model, temperature,
 * max_tokens and the other fields as JSON. Shows the variables and template problems as you type.
 */
import { analyzeTemplate } from "@promptreg/template";
import { useMemo } from "react";
import { MESSAGE_ROLES, bodyFromDraft, newMessageKey, type BodyDraft, type DraftErrors, type MessageDraft, type MessageRole } from "../lib/body";
import { HighlightedTextarea, PlaceholderLegend } from "./TemplateText";
import { Field } from "./ui";

interface BodyEditorProps {
  draft: BodyDraft;
  onChange: (draft: BodyDraft) => void;
  /** Problems to show (after a submit attempt). */
  errors: DraftErrors;
}

export function BodyEditor({ draft, onChange, errors }: BodyEditorProps) {
  const set = (patch: Partial<BodyDraft>) => onChange({ ...draft, ...patch });
  const setMessage = (index: number, message: MessageDraft) => set({ messages: draft.messages.map((m, i) => (i === index ? message : m)) });
  const move = (index: number, delta: -1 | 1) => {
    const messages = [...draft.messages];
    const [item] = messages.splice(index, 1);
    messages.splice(index + delta, 0, item!);
    set({ messages });
  };
  const addMessage = () => {
    const last = draft.messages.at(-1);
    const role: MessageRole = last?.mode === "text" && last.role === "user" ? "assistant" : "user";
    set({ messages: [...draft.messages, { key: newMessageKey(), mode: "text", role, content: "" }] });
  };

  return (
    <div className="body-editor">
      <section className="editor-section" aria-labelledby="messages-heading">
        <div className="section-head">
          <h2 id="messages-heading">Messages</h2>
          <PlaceholderLegend />
        </div>
        {errors["messages"] && <p className="field-error">{errors["messages"]}</p>}
        <ol className="message-list">
          {draft.messages.map((message, index) => (
            <li key={message.key} className="message-edit">
              <div className="message-edit-head">
                <span className="message-index">#{index + 1}</span>
                {message.mode === "text" ? (
                  <>
                    <label className="sr-only" htmlFor={`${message.key}-role`}>
                      Role of message {index + 1}
                    </label>
                    <select
                      id={`${message.key}-role`}
                      className="role-select"
                      value={message.role}
                      onChange={(event) => setMessage(index, { ...message, role: event.target.value as MessageRole })}
                    >
                      {MESSAGE_ROLES.map((role) => (
                        <option key={role} value={role}>
                          {role}
                        </option>
                      ))}
                    </select>
                  </>
                ) : (
                  <span className="muted small">structured message (JSON)</span>
                )}
                <span className="spacer" />
                <button type="button" className="btn btn-ghost btn-xs" onClick={() => move(index, -1)} disabled={index === 0} aria-label={`Move message ${index + 1} up`}>
                  ↑
                </button>
                <button
                  type="button"
                  className="btn btn-ghost btn-xs"
                  onClick={() => move(index, 1)}
                  disabled={index === draft.messages.length - 1}
                  aria-label={`Move message ${index + 1} down`}
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="btn btn-ghost btn-xs btn-danger-text"
                  onClick={() => set({ messages: draft.messages.filter((_, i) => i !== index) })}
                  aria-label={`Remove message ${index + 1}`}
                >
                  Remove
                </button>
              </div>
              {message.mode === "text" ? (
                <HighlightedTextarea
                  aria-label={`Content of message ${index + 1} (${message.role})`}
                  value={message.content}
                  placeholder={message.role === "system" ? "You are a helpful assistant for {{hc:company:string}}." : "{{hc:question:string}}"}
                  onChange={(content) => setMessage(index, { ...message, content })}
                />
              ) : (
                <textarea
                  className="code-input"
                  aria-label={`Message ${index + 1} as JSON`}
                  rows={Math.min(16, message.json.split("\n").length + 1)}
                  value={message.json}
                  spellCheck={false}
                  aria-invalid={errors[`messages.${index}`] ? true : undefined}
                  onChange={(event) => setMessage(index, { ...message, json: event.target.value })}
                />
              )}
              {errors[`messages.${index}`] && <p className="field-error">{errors[`messages.${index}`]}</p>}
            </li>
          ))}
        </ol>
        <button type="button" className="btn btn-secondary btn-sm" onClick={addMessage}>
          + Add message
        </button>
      </section>

      <section className="editor-section" aria-labelledby="params-heading">
        <h2 id="params-heading">Model and parameters</h2>
        <div className="grid-3">
          <Field label="Model" error={errors["model"]}>
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                type="text"
                value={draft.model}
                autoComplete="off"
                spellCheck={false}
                aria-describedby={describedBy}
                aria-invalid={invalid || undefined}
                onChange={(event) => set({ model: event.target.value })}
              />
            )}
          </Field>
          <Field label="Temperature" hint="0 to 2; empty for the provider's default" error={errors["temperature"]}>
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                type="number"
                inputMode="decimal"
                step="0.1"
                min="0"
                max="2"
                value={draft.temperature}
                aria-describedby={describedBy}
                aria-invalid={invalid || undefined}
                onChange={(event) => set({ temperature: event.target.value })}
              />
            )}
          </Field>
          <Field label="Max tokens" hint="Empty for no limit" error={errors["maxTokens"]}>
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                type="number"
                inputMode="numeric"
                step="1"
                min="1"
                value={draft.maxTokens}
                aria-describedby={describedBy}
                aria-invalid={invalid || undefined}
                onChange={(event) => set({ maxTokens: event.target.value })}
              />
            )}
          </Field>
        </div>
        <details className="advanced" open={draft.advanced.trim() !== "" || Boolean(errors["advanced"])}>
          <summary>Advanced: tools, response_format and other parameters (JSON)</summary>
          <Field
            label="Other request fields"
            hint={<>A JSON object merged into the request, e.g. {'{"top_p": 0.9, "tools": […], "response_format": {"type": "json_object"}}'}</>}
            error={errors["advanced"]}
          >
            {({ id, describedBy, invalid }) => (
              <textarea
                id={id}
                className="code-input"
                rows={Math.max(4, Math.min(20, draft.advanced.split("\n").length + 1))}
                value={draft.advanced}
                spellCheck={false}
                placeholder="{}"
                aria-describedby={describedBy}
                aria-invalid={invalid || undefined}
                onChange={(event) => set({ advanced: event.target.value })}
              />
            )}
          </Field>
        </details>
      </section>
      <TemplateSummary draft={draft} />
    </div>
  );
}

/** The variables and partials the draft uses, and template errors the server would refuse. */
function TemplateSummary({ draft }: { draft: BodyDraft }) {
  const analysis = useMemo(() => {
    const result = bodyFromDraft(draft);
    return result.body ? analyzeTemplate(result.body) : null;
  }, [draft]);
  if (!analysis) return null;
  return (
    <section className="editor-section" aria-labelledby="vars-heading">
      <h2 id="vars-heading">Variables</h2>
      {analysis.variables.length === 0 && analysis.partials.length === 0 ? (
        <p className="muted">
          No variables yet. Write <code>{"{{hc:name:string}}"}</code>, <code>{"{{hc:count:number}}"}</code> or <code>{"{{hc:flag:boolean}}"}</code> in a
          message to take inputs.
        </p>
      ) : (
        <ul className="chips" aria-label="Variables used">
          {analysis.variables.map((variable) => (
            <li key={variable.name} className={`chip chip-${variable.type}`}>
              <span className="mono">{variable.name}</span>
              <span className="chip-type">{variable.type}</span>
            </li>
          ))}
          {analysis.partials.map((partial) => (
            <li key={`${partial.promptId}:${partial.messageIndex}:${partial.environment}`} className="chip chip-partial">
              <span className="mono">
                {partial.promptId}:{partial.messageIndex}
              </span>
              <span className="chip-type">partial · {partial.environment}</span>
            </li>
          ))}
        </ul>
      )}
      {analysis.errors.length > 0 && (
        <div className="callout callout-warning">
          <div className="callout-body">
            <strong>The server will refuse this template</strong>
            <ul>
              {analysis.errors.map((error) => (
                <li key={`${error.location}:${error.message}`}>
                  <code>{error.location}</code>: {error.message}
                </li>
              ))}
            </ul>
          </div>
        </div>
      )}
    </section>
  );
}
