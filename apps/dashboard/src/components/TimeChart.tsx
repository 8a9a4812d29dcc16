/**
 * A small line chart over time, in plain SVG (no chart library): one line per series, points where a
 * bucket has a value, a gap where it has none, the y axis from zero, and each point's value in its title.
 */
import { useEffect, useId, useRef, useState } from "react";

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
  /**
   * Bucket start (epoch ms) and value; null: nothing to show for that bucket (a gap). `marked`: a bucket
   * with calls (drawn as a dot); a filled-in zero is a line only.
   */
  points: ReadonlyArray<{ t: number; value: number | null; marked?: boolean }>;
}

interface TimeChartProps {
  title: string;
  from: number;
  to: number;
  series: readonly ChartSeries[];
  format: (value: number) => string;
  formatTime: (t: number) => string;
}

const HEIGHT = 220;
const PAD = { top: 12, right: 16, bottom: 28, left: 64 };

/** A round step for about four gridlines up to `max`. */
function niceStep(max: number): number {
  if (max <= 0) return 1;
  const raw = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  return step;
}

/** The element's width in CSS pixels, followed as it changes (the chart is drawn at its real size: text stays legible on a phone). */
function useWidth(fallback: number) {
  const ref = useRef<HTMLElement | null>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.max(240, Math.round(entry.contentRect.width)));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

export function TimeChart({ title, from, to, series, format, formatTime }: TimeChartProps) {
  const titleId = useId();
  const { ref, width: WIDTH } = useWidth(720);
  const values = series.flatMap((s) => s.points.map((p) => p.value).filter((v): v is number => v !== null));
  const step = niceStep(Math.max(0, ...values));
  const top = Math.max(step, Math.ceil(Math.max(0, ...values) / step) * step);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (t: number) => PAD.left + ((t - from) / Math.max(1, to - from)) * plotWidth;
  const y = (v: number) => PAD.top + plotHeight - (v / top) * plotHeight;
  const gridlines = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  const tickCount = WIDTH < 480 ? 3 : 5;
  const ticks = Array.from({ length: tickCount }, (_, i) => from + ((to - from) * i) / (tickCount - 1));

  return (
    <figure className="time-chart" ref={ref}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT} role="img" aria-labelledby={titleId}>
        <title id={titleId}>{title}</title>
        {gridlines.map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(v)} y2={y(v)} className="time-chart-grid" />
            <text x={PAD.left - 8} y={y(v)} className="time-chart-label" textAnchor="end" dominantBaseline="middle">
              {format(v)}
            </text>
          </g>
        ))}
        {ticks.map((t) => (
          <text key={t} x={x(t)} y={HEIGHT - 8} className="time-chart-label" textAnchor={t === from ? "start" : t === to ? "end" : "middle"}>
            {formatTime(t)}
          </text>
        ))}
        {series.map((s) => {
          // Consecutive points with values make one segment; a bucket without a value breaks the line.
          const segments: Array<Array<{ t: number; value: number }>> = [[]];
          for (const p of s.points) {
            if (p.value === null) segments.push([]);
            else segments[segments.length - 1]!.push({ t: p.t, value: p.value });
          }
          return (
            <g key={s.key} stroke={s.color} fill={s.color}>
              {segments
                .filter((seg) => seg.length > 1)
                .map((seg, i) => (
                  <polyline key={i} className="time-chart-line" points={seg.map((p) => `${x(p.t)},${y(p.value)}`).join(" ")} />
                ))}
              {s.points.map((p) =>
                p.value === null || p.marked === false ? null : (
                  <circle key={p.t} cx={x(p.t)} cy={y(p.value)} r={2.6}>
                    <title>{`${s.label}, ${formatTime(p.t)}: ${format(p.value)}`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="time-chart-legend">
        {series.map((s) => (
          <span key={s.key} className="time-chart-key">
            <span className="time-chart-swatch" style={{ background: s.color }} aria-hidden="true" />
            {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
