/** Choose an environment: the usual three, those the prompt already has, or a custom name. */
import { useId, useState } from "react";
import { environmentNameProblem, environmentOrder } from "../lib/versions";

const STANDARD = ["production", "staging", "development"];
const CUSTOM = "__custom__";

interface EnvironmentPickerProps {
  value: string;
  onChange: (name: string) => void;
  /** Environments the prompt has now, offered next to the standard ones. */
  known?: readonly string[];
  label?: string;
  /** Show the name problem (after a submit attempt). */
  showProblem?: boolean;
}

export function EnvironmentPicker({ value, onChange, known = [], label = "Environment", showProblem }: EnvironmentPickerProps) {
  const id = useId();
  const options = [...new Set([...STANDARD, ...known])].sort(environmentOrder);
  const [custom, setCustom] = useState(() => value !== "" && !options.includes(value));
  const problem = custom ? environmentNameProblem(value) : null;
  return (
    <div className="env-picker">
      <div className="field">
        <label htmlFor={`${id}-select`} className="field-label">
          {label}
        </label>
        <select
          id={`${id}-select`}
          value={custom ? CUSTOM : value}
          onChange={(event) => {
            if (event.target.value === CUSTOM) {
              setCustom(true);
              onChange("");
            } else {
              setCustom(false);
              onChange(event.target.value);
            }
          }}
        >
          {options.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
          <option value={CUSTOM}>Other…</option>
        </select>
      </div>
      {custom && (
        <div className="field">
          <label htmlFor={`${id}-custom`} className="field-label">
            Environment name
          </label>
          <input
            id={`${id}-custom`}
            type="text"
            value={value}
            placeholder="e.g. canary"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={showProblem && problem ? true : undefined}
            aria-describedby={showProblem && problem ? `${id}-problem` : undefined}
            onChange={(event) => onChange(event.target.value)}
          />
          {showProblem && problem && (
            <p id={`${id}-problem`} className="field-error">
              {problem}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
