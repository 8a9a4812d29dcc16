/** Template text with its placeholders highlighted: read-only, and as an editable textarea with an overlay. */
import { useMemo, type TextareaHTMLAttributes } from "react";
import { describeSegment, segmentTemplate, type Segment } from "../lib/placeholders";

function className(segment: Segment): string {
  switch (segment.kind) {
    case "variable":
      return `ph ph-var ph-${segment.type}`;
    case "partial":
      return "ph ph-partial";
    case "invalid":
      return "ph ph-invalid";
    case "text":
      return "";
  }
}

function Segments({ text }: { text: string }) {
  const segments = useMemo(() => segmentTemplate(text), [text]);
  return (
    <>
      {segments.map((segment, index) =>
        segment.kind === "text" ? (
          <span key={index}>{segment.text}</span>
        ) : (
          <mark key={index} className={className(segment)} title={describeSegment(segment)}>
            {segment.text}
          </mark>
        ),
      )}
    </>
  );
}

export function TemplateText({ text, className: extra }: { text: string; className?: string }) {
  if (text === "") return <div className={`template-text template-empty ${extra ?? ""}`}>(empty)</div>;
  return (
    <div className={`template-text ${extra ?? ""}`}>
      <Segments text={text} />
    </div>
  );
}

interface HighlightedTextareaProps extends Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "value" | "onChange"> {
  value: string;
  onChange: (value: string) => void;
}

/**
 * A textarea over a copy of its text with highlighted placeholders. Both share font, padding and wrapping;
 * the copy sets the height (the textarea grows with its content, never scrolls), so they stay aligned.
 */
export function HighlightedTextarea({ value, onChange, className: extra, ...rest }: HighlightedTextareaProps) {
  return (
    <div className={`hl-editor ${extra ?? ""}`}>
      <div className="hl-backdrop" aria-hidden="true">
        <Segments text={value} />
        {/* A trailing newline needs a character after it to take up a line. */}
        {"\u200b"}
      </div>
      <textarea {...rest} className="hl-input" value={value} spellCheck={false} onChange={(event) => onChange(event.target.value)} />
    </div>
  );
}

export function PlaceholderLegend() {
  return (
    <p className="legend">
      <mark className="ph ph-var ph-string">{"{{hc:name:string}}"}</mark>
      <mark className="ph ph-var ph-number">{"{{hc:n:number}}"}</mark>
      <mark className="ph ph-var ph-boolean">{"{{hc:b:boolean}}"}</mark>
      <mark className="ph ph-partial">{"{{hcp:id:0}}"}</mark>
      <span className="legend-text">variables, legacy {"{{name}}"} and prompt partials are highlighted</span>
    </p>
  );
}
