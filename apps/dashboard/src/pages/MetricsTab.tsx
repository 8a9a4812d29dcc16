/**
 * A prompt's versions side by side over a window (requests, error rate, latency percentiles, time to first
 * token, tokens, cost) and a chart of one of them over time, per version, from the per-version metrics the
 * gateway records. Refreshes every few seconds while open.
 */
import type { TMetricsSeriesOutput, TPromptVersion, TVersionMetrics } from "@promptreg/contracts";
import { useMemo } from "react";
import { DEFAULT_WINDOW, isMetricWindow, LIVE_REFRESH_MS, METRIC_WINDOWS, useMetricSeries, useVersionMetrics, type MetricWindow } from "../api/analytics";
import { useEnvironments, useVersions } from "../api/queries";
import { TimeChart, type ChartSeries } from "../components/TimeChart";
import { EmptyState, EnvBadges, ErrorState, Loading, RefreshFailed } from "../components/ui";
import { formatCost, formatCount, formatMs, formatRate } from "../lib/metrics-format";
import { tabRoute } from "../lib/routes";
import { environmentOrder, versionLabel } from "../lib/versions";
import type { PromptTabDefinition } from "../navigation";
import { Link, navigate } from "../router";
import "./analytics.css";

export const metricsTab: PromptTabDefinition = {
  id: "metrics",
  label: "Metrics",
  component: ({ prompt, params }) => (
    <MetricsTab
      promptId={prompt.id}
      window={isMetricWindow(params["window"] ?? "") ? (params["window"] as MetricWindow) : DEFAULT_WINDOW}
      environment={params["environment"] ?? ""}
      chart={isChartMetric(params["chart"] ?? "") ? (params["chart"] as ChartMetric) : "requests"}
    />
  ),
};

/** What the chart can show, per bucket and version. */
const CHART_METRICS = {
  requests: { label: "Requests", value: (p: Point) => p.requests, format: (v: number) => formatCount(Math.round(v)), zeroWhenEmpty: true },
  errorRate: { label: "Error rate", value: (p: Point) => (p.requests === 0 ? null : p.errors / p.requests), format: formatRate, zeroWhenEmpty: false },
  p50: { label: "Latency p50", value: (p: Point) => p.latencyMs.p50, format: formatMs, zeroWhenEmpty: false },
  p95: { label: "Latency p95", value: (p: Point) => p.latencyMs.p95, format: formatMs, zeroWhenEmpty: false },
  tokens: { label: "Tokens", value: (p: Point) => p.inputTokens + p.outputTokens, format: (v: number) => formatCount(Math.round(v)), zeroWhenEmpty: true },
  cost: { label: "Cost", value: (p: Point) => p.costUsd, format: formatCost, zeroWhenEmpty: true },
} as const;
type ChartMetric = keyof typeof CHART_METRICS;
type Point = TMetricsSeriesOutput["versions"][number]["points"][number];
const isChartMetric = (value: string): value is ChartMetric => Object.hasOwn(CHART_METRICS, value);

/** One color per version, in the table and the chart. */
const PALETTE = ["#4f46e5", "#0891b2", "#d97706", "#db2777", "#16a34a", "#7c3aed", "#dc2626", "#475569"];
const BUCKET_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

interface MetricsTabProps {
  promptId: string;
  window: MetricWindow;
  environment: string;
  chart: ChartMetric;
}

export function MetricsTab({ promptId, window, environment, chart }: MetricsTabProps) {
  const metrics = useVersionMetrics(promptId, window, environment);
  const series = useMetricSeries(promptId, window, environment);
  const versions = useVersions(promptId);
  const environments = useEnvironments(promptId);
  const byId = useMemo(() => new Map((versions.data ?? []).map((v) => [v.id, v])), [versions.data]);
  const rows = useMemo(() => metrics.data?.versions ?? [], [metrics.data]);
  const colorOf = useMemo(() => {
    const ids = [...rows].sort((a, b) => a.majorVersion - b.majorVersion || a.minorVersion - b.minorVersion).map((r) => r.versionId);
    return (versionId: string) => PALETTE[Math.max(0, ids.indexOf(versionId)) % PALETTE.length]!;
  }, [rows]);
  const environmentNames = useMemo(() => {
    const names = new Set((environments.data ?? []).map((p) => p.environment));
    if (environment) names.add(environment);
    return [...names].sort(environmentOrder);
  }, [environments.data, environment]);
  const go = (change: Partial<{ window: MetricWindow; environment: string; chart: ChartMetric }>) =>
    navigate(
      tabRoute(promptId, "metrics", {
        window: (change.window ?? window) === DEFAULT_WINDOW ? undefined : (change.window ?? window),
        environment: change.environment ?? environment,
        chart: (change.chart ?? chart) === "requests" ? undefined : (change.chart ?? chart),
      }),
      { replace: true },
    );

  const controls = (
    <div className="analytics-controls">
      <div className="field field-inline">
        <label htmlFor="metrics-window" className="field-label">
          Window
        </label>
        <select id="metrics-window" value={window} onChange={(event) => go({ window: event.target.value as MetricWindow })}>
          {Object.entries(METRIC_WINDOWS).map(([value, { label }]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div className="field field-inline">
        <label htmlFor="metrics-environment" className="field-label">
          Environment
        </label>
        <select id="metrics-environment" value={environment} onChange={(event) => go({ environment: event.target.value })}>
          <option value="">All</option>
          {environmentNames.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <span className="muted small analytics-live" title={`Refreshes every ${LIVE_REFRESH_MS / 1000} s; a call is counted within a few seconds of its answer.`}>
        <span className="analytics-live-dot" aria-hidden="true" /> Live
      </span>
    </div>
  );

  if (metrics.isPending) return <div className="stack-lg">{controls}<Loading label="Loading metrics…" /></div>;
  if (metrics.isError && metrics.data === undefined) {
    return <div className="stack-lg">{controls}<ErrorState title="Could not load the metrics" error={metrics.error} onRetry={() => void metrics.refetch()} /></div>;
  }

  return (
    <div className="stack-lg">
      {controls}
      {metrics.isError && <RefreshFailed what="the metrics" error={metrics.error} onRetry={() => void metrics.refetch()} />}
      {rows.length === 0 ? (
        <EmptyState title="No calls in this window" icon="∿">
          Calls through the gateway with this prompt's <code>prompt_id</code> show up here within seconds, per version
          {environment ? ` (${environment} only)` : ""}. <Link to={tabRoute(promptId, "playground")}>Try it in the playground</Link>.
        </EmptyState>
      ) : (
        <>
          <section aria-labelledby="metrics-versions-heading">
            <h2 id="metrics-versions-heading" className="section-title">
              Versions, {METRIC_WINDOWS[window].label.toLowerCase()}
              {environment ? ` in ${environment}` : ""}
            </h2>
            <VersionTable promptId={promptId} rows={rows} byId={byId} colorOf={colorOf} />
          </section>
          <section aria-labelledby="metrics-chart-heading">
            <div className="section-head">
              <h2 id="metrics-chart-heading" className="section-title">
                Over time
              </h2>
              <div className="field field-inline">
                <label htmlFor="metrics-chart" className="field-label">
                  Show
                </label>
                <select id="metrics-chart" value={chart} onChange={(event) => go({ chart: event.target.value as ChartMetric })}>
                  {Object.entries(CHART_METRICS).map(([value, { label }]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </select>
              </div>
            </div>
            {series.data === undefined ? (
              series.isError ? (
                <ErrorState title="Could not load the chart" error={series.error} onRetry={() => void series.refetch()} />
              ) : (
                <Loading label="Loading the chart…" compact />
              )
            ) : (
              <Chart data={series.data} metric={chart} colorOf={colorOf} />
            )}
          </section>
        </>
      )}
    </div>
  );
}

function VersionTable({ promptId, rows, byId, colorOf }: { promptId: string; rows: readonly TVersionMetrics[]; byId: ReadonlyMap<string, TPromptVersion>; colorOf: (id: string) => string }) {
  const streamed = rows.some((r) => r.streamedRequests > 0);
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Per-version metrics (scrolls sideways)">
      <table className="table metrics-table">
        <caption className="sr-only">One row per version with calls in the window, newest version first.</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col" className="num">Requests</th>
            <th scope="col" className="num">Error rate</th>
            <th scope="col" className="num">p50</th>
            <th scope="col" className="num">p95</th>
            <th scope="col" className="num">p99</th>
            {streamed && <th scope="col" className="num" title="Time to first token, streamed calls">TTFT p50</th>}
            <th scope="col" className="num">Tokens in / out</th>
            <th scope="col" className="num">Cost</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const version = byId.get(row.versionId);
            return (
              <tr key={row.versionId} data-version={row.versionId}>
                <td>
                  <span className="version-swatch" style={{ background: colorOf(row.versionId) }} aria-hidden="true" />
                  <Link to={{ name: "version", promptId, versionId: row.versionId }} className="mono">
                    {versionLabel(row)}
                  </Link>{" "}
                  {version ? <EnvBadges names={version.environments} /> : <span className="muted small">deleted</span>}
                </td>
                <td className="num">
                  <Link to={tabRoute(promptId, "requests", { version: row.versionId })} title="See these calls">
                    {formatCount(row.requests)}
                  </Link>
                </td>
                <td className={`num${row.errors > 0 ? " is-bad" : ""}`} title={`${row.errors} of ${row.requests} calls failed at the provider (status ≥ 500 or no complete answer)`}>
                  {formatRate(row.errorRate)}
                </td>
                <td className="num">{formatMs(row.latencyMs.p50)}</td>
                <td className="num">{formatMs(row.latencyMs.p95)}</td>
                <td className="num">{formatMs(row.latencyMs.p99)}</td>
                {streamed && <td className="num">{formatMs(row.ttftMs?.p50)}</td>}
                <td className="num">
                  {formatCount(row.inputTokens)} / {formatCount(row.outputTokens)}
                </td>
                <td
                  className="num"
                  title={
                    row.costUsd === null
                      ? "No call of this version has a known price (unknown model, or no usage reported)"
                      : `The sum over the ${row.pricedRequests} of ${row.requests} calls with a known price`
                  }
                >
                  {formatCost(row.costUsd)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Chart({ data, metric, colorOf }: { data: TMetricsSeriesOutput; metric: ChartMetric; colorOf: (id: string) => string }) {
  const { label, value, format, zeroWhenEmpty } = CHART_METRICS[metric];
  const from = Date.parse(data.from);
  const to = Date.parse(data.to);
  const size = BUCKET_MS[data.granularity];
  const buckets = useMemo(() => Array.from({ length: Math.max(0, Math.round((to - from) / size)) }, (_, i) => from + i * size), [from, to, size]);
  const series: ChartSeries[] = data.versions.map((v) => {
    const byTime = new Map(v.points.map((p) => [Date.parse(p.t), p]));
    return {
      key: v.versionId,
      label: versionLabel(v),
      color: colorOf(v.versionId),
      points: buckets.map((t) => {
        const point = byTime.get(t);
        return { t, value: point ? value(point) : zeroWhenEmpty ? 0 : null, marked: point !== undefined };
      }),
    };
  });
  const formatTime = (t: number) =>
    data.granularity === "day"
      ? new Date(t).toLocaleDateString(undefined, { month: "short", day: "numeric" })
      : new Date(t).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  if (series.length === 0) return <p className="muted small">No calls to chart.</p>;
  return <TimeChart title={`${label} per ${data.granularity}, per version`} from={from} to={to} series={series} format={format} formatTime={formatTime} />;
}
