/**
 * The request log and per-version metrics as react-query hooks. Unlike the registry's data (invalidated by
 * the change stream), calls arrive all the time: these queries refresh every few seconds while their tab is
 * open, and keep the previous answer on screen while the next one loads.
 */
import type { TSetCaptureSettingsInput, TStatusFilter } from "@promptreg/contracts";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSession } from "../session";

/** The windows the Metrics tab offers, by their URL value. */
export const METRIC_WINDOWS = {
  "1h": { label: "Last hour", ms: 3_600_000 },
  "24h": { label: "Last 24 hours", ms: 86_400_000 },
  "7d": { label: "Last 7 days", ms: 7 * 86_400_000 },
  "30d": { label: "Last 30 days", ms: 30 * 86_400_000 },
} as const;
export type MetricWindow = keyof typeof METRIC_WINDOWS;
export const DEFAULT_WINDOW: MetricWindow = "24h";
export const isMetricWindow = (value: string): value is MetricWindow => Object.hasOwn(METRIC_WINDOWS, value);

/** How often open tabs refresh: a call is counted within a few seconds of its answer. */
export const LIVE_REFRESH_MS = 10_000;
export const REQUESTS_PAGE_SIZE = 25;

const analyticsKeys = {
  metrics: (promptId: string, window: MetricWindow, environment: string) => ["prompt", promptId, "metrics", window, environment] as const,
  series: (promptId: string, window: MetricWindow, environment: string) => ["prompt", promptId, "metrics-series", window, environment] as const,
  requests: (promptId: string, filters: RequestFilters, page: number) => ["prompt", promptId, "requests", filters, page] as const,
  capture: (promptId: string) => ["prompt", promptId, "capture"] as const,
};

const since = (window: MetricWindow) => new Date(Date.now() - METRIC_WINDOWS[window].ms).toISOString();

export function useVersionMetrics(promptId: string, window: MetricWindow, environment: string) {
  const { client } = useSession();
  return useQuery({
    queryKey: analyticsKeys.metrics(promptId, window, environment),
    queryFn: ({ signal }) => client.metrics.byVersion.query({ promptId, from: since(window), environment: environment || undefined }, { signal }),
    refetchInterval: LIVE_REFRESH_MS,
    placeholderData: keepPreviousData,
  });
}

export function useMetricSeries(promptId: string, window: MetricWindow, environment: string) {
  const { client } = useSession();
  return useQuery({
    queryKey: analyticsKeys.series(promptId, window, environment),
    queryFn: ({ signal }) => client.metrics.series.query({ promptId, from: since(window), environment: environment || undefined }, { signal }),
    refetchInterval: LIVE_REFRESH_MS,
    placeholderData: keepPreviousData,
  });
}

export interface RequestFilters {
  versionId: string;
  environment: string;
  /** A status (`500`), a class (`4xx`) or `error`; "" for all. */
  status: string;
  /** Pins the pages (ISO time): calls after it are left out; "" for the newest. */
  to: string;
}

/** The URL's status filter as the API takes it. */
export function statusFilter(text: string): TStatusFilter | undefined {
  if (text === "") return undefined;
  if (/^[1-5]\d\d$/.test(text)) return Number(text);
  return text === "2xx" || text === "3xx" || text === "4xx" || text === "5xx" || text === "error" ? text : undefined;
}

export function useRequestLog(promptId: string, filters: RequestFilters, page: number) {
  const { client } = useSession();
  return useQuery({
    queryKey: analyticsKeys.requests(promptId, filters, page),
    queryFn: ({ signal }) =>
      client.requests.list.query(
        {
          promptId,
          versionId: filters.versionId || undefined,
          environment: filters.environment || undefined,
          status: statusFilter(filters.status),
          to: filters.to || undefined,
          page,
          pageSize: REQUESTS_PAGE_SIZE,
        },
        { signal },
      ),
    // The newest calls refresh; a pinned page (older calls) does not change.
    refetchInterval: filters.to ? false : LIVE_REFRESH_MS,
    placeholderData: keepPreviousData,
  });
}

export function useCaptureSettings(promptId: string) {
  const { client } = useSession();
  return useQuery({ queryKey: analyticsKeys.capture(promptId), queryFn: ({ signal }) => client.captureSettings.get.query({ promptId }, { signal }) });
}

export function useSetCaptureSettings(promptId: string) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: Omit<TSetCaptureSettingsInput, "promptId">) => client.captureSettings.set.mutate({ ...input, promptId }),
    onSuccess: (view) => queryClient.setQueryData(analyticsKeys.capture(promptId), view),
  });
}
