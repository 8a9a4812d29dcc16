/**
 * `promptreg rollout start|set|promote|abort|status <prompt> <environment> …`: canary rollouts (API.md,
 * "Rollouts"). A rollout gives a candidate version a weight (percent) of an environment's gateway calls
 * while the environment keeps pointing at its stable version; promote moves the environment to the
 * candidate, abort sends every call back to the stable one.
 *
 * Prompts are named by id or name and versions by "1.2" or id, as `deploy` names them. The server decides
 * who may do what: a refused role (403) is printed with the role it needs, exit 3; a conflict (409, e.g.
 * no active rollout to promote) exit 1.
 */
import type { Command } from "commander";
import {
  MAX_METRICS_WINDOW_DAYS,
  ZAutoRollbackRule,
  ZRolloutWeight,
  type TAutoRollbackRule,
  type TPrompt,
  type TRollout,
  type TVersionMetrics,
} from "@promptreg/contracts";
import type { App, CommandContext } from "../context.js";
import { CliError, ExitCode, isForbidden, isNotFound, usageError } from "../errors.js";
import { parseEnvironment, resolvePrompt, resolveVersion, versionLabel, type PromptregClient } from "../registry.js";

interface WeightOptions {
  weight?: string;
}

interface StartOptions extends WeightOptions {
  maxErrorRate?: string;
  minRequests?: string;
  maxP95Ms?: string;
}

/** Calls counted before the rule may act, when `--max-error-rate` is given without `--min-requests`. */
const DEFAULT_MIN_REQUESTS = 100;

export function registerRollout(program: Command, app: App): void {
  const rollout = program
    .command("rollout")
    .description("canary rollouts: serve a candidate version to a weight of an environment's calls, then promote or abort")
    .addHelpText(
      "after",
      `
Examples:
  promptreg rollout start support-bot production 1.4 --weight 5 --max-error-rate 0.05 --min-requests 200
  promptreg rollout set support-bot production --weight 50
  promptreg rollout status support-bot production
  promptreg rollout promote support-bot production
  promptreg rollout abort support-bot production`,
    );

  rollout
    .command("start")
    .description("start a rollout of <version> behind <environment> (or change the weight of the active one)")
    .argument("<prompt>", "prompt id or name")
    .argument("<environment>", "environment, e.g. production")
    .argument("<version>", 'candidate version number ("1.3") or version id')
    .option("--weight <percent>", "percent of the environment's calls the candidate serves, 0-100 (required)")
    .option("--max-error-rate <fraction>", 'roll back automatically when the candidate\'s error rate exceeds this (0.05 or "5%")')
    .option("--min-requests <n>", `calls the candidate must have served before the rule acts (default ${DEFAULT_MIN_REQUESTS})`)
    .option("--max-p95-ms <ms>", "roll back automatically when the candidate's p95 latency exceeds this (needs --max-error-rate)")
    .action(
      app.action<StartOptions>(async (context, [promptRef, environmentArg, versionRef], options) => {
        const environment = parseEnvironment(environmentArg!);
        const weight = parseWeight(options.weight);
        const autoRollback = parseRule(options);
        const client = await context.client();
        const prompt = await resolvePrompt(client, promptRef!);
        const version = await resolveVersion(client, prompt, versionRef!);
        await client.rollouts.start.mutate({
          promptId: prompt.id,
          environment,
          versionId: version.id,
          weight,
          ...(autoRollback === undefined ? {} : { autoRollback }),
        });
        await report(context, client, prompt, environment, "started");
        return ExitCode.OK;
      }),
    );

  rollout
    .command("set")
    .description("change the weight of the active rollout (raising it only moves subjects to the candidate)")
    .argument("<prompt>", "prompt id or name")
    .argument("<environment>", "environment, e.g. production")
    .option("--weight <percent>", "percent of the environment's calls the candidate serves, 0-100 (required)")
    .action(
      app.action<WeightOptions>(async (context, [promptRef, environmentArg], options) => {
        const environment = parseEnvironment(environmentArg!);
        const weight = parseWeight(options.weight);
        const client = await context.client();
        const prompt = await resolvePrompt(client, promptRef!);
        const active = await activeRollout(client, prompt, environment);
        // The same candidate again is a weight change; the rule is kept when left out.
        await client.rollouts.start.mutate({ promptId: prompt.id, environment, versionId: active.candidateVersionId, weight });
        await report(context, client, prompt, environment, "reweighted");
        return ExitCode.OK;
      }),
    );

  for (const [name, description] of [
    ["promote", "end the rollout by moving the environment to the candidate"],
    ["abort", "end the rollout: every call goes to the stable version again"],
  ] as const) {
    rollout
      .command(name)
      .description(description)
      .argument("<prompt>", "prompt id or name")
      .argument("<environment>", "environment, e.g. production")
      .action(
        app.action(async (context, [promptRef, environmentArg]) => {
          const environment = parseEnvironment(environmentArg!);
          const client = await context.client();
          const prompt = await resolvePrompt(client, promptRef!);
          const ref = { promptId: prompt.id, environment };
          await (name === "promote" ? client.rollouts.promote.mutate(ref) : client.rollouts.abort.mutate(ref));
          await report(context, client, prompt, environment, name === "promote" ? "promoted" : "aborted");
          return ExitCode.OK;
        }),
      );
  }

  rollout
    .command("status")
    .description("show the environment's latest rollout: versions, weight, state, auto-rollback rule, each arm's calls")
    .argument("<prompt>", "prompt id or name")
    .argument("<environment>", "environment, e.g. production")
    .action(
      app.action(async (context, [promptRef, environmentArg]) => {
        const environment = parseEnvironment(environmentArg!);
        const client = await context.client();
        const prompt = await resolvePrompt(client, promptRef!);
        await report(context, client, prompt, environment, "status", true);
        return ExitCode.OK;
      }),
    );
}

/** `--weight`: required, a number from 0 to 100 (a trailing "%" is allowed). */
function parseWeight(raw: string | undefined): number {
  if (raw === undefined) throw usageError("required option '--weight <percent>' not specified");
  const parsed = ZRolloutWeight.safeParse(Number(raw.trim().replace(/%$/, "")));
  if (raw.trim() === "" || !parsed.success) throw usageError(`invalid --weight ${JSON.stringify(raw)}: a percent from 0 to 100`);
  return parsed.data;
}

/** The auto-rollback rule of `start`, or undefined when no threshold is given. */
function parseRule(options: StartOptions): TAutoRollbackRule | undefined {
  if (options.maxErrorRate === undefined) {
    if (options.minRequests !== undefined || options.maxP95Ms !== undefined) {
      throw usageError("--min-requests and --max-p95-ms belong to an auto-rollback rule: give --max-error-rate too (--max-error-rate 1 rolls back on latency alone)");
    }
    return undefined;
  }
  const rate = options.maxErrorRate.trim();
  const rule = {
    maxErrorRate: rate === "" ? NaN : rate.endsWith("%") ? Number(rate.slice(0, -1)) / 100 : Number(rate),
    minRequests: options.minRequests === undefined ? DEFAULT_MIN_REQUESTS : Number(options.minRequests),
    ...(options.maxP95Ms === undefined ? {} : { maxP95LatencyMs: Number(options.maxP95Ms) }),
  };
  const parsed = ZAutoRollbackRule.safeParse(rule);
  if (parsed.success) return parsed.data;
  // The first problem, named by the option that carries it.
  const field = parsed.error.issues[0]?.path[0];
  if (field === "maxErrorRate") throw usageError(`invalid --max-error-rate ${JSON.stringify(options.maxErrorRate)}: a fraction from 0 to 1 (0.05) or a percent (5%)`);
  if (field === "minRequests") throw usageError(`invalid --min-requests ${JSON.stringify(options.minRequests)}: a whole number of calls, at least 1`);
  throw usageError(`invalid --max-p95-ms ${JSON.stringify(options.maxP95Ms)}: milliseconds, more than 0 and at most 3600000`);
}

async function activeRollout(client: PromptregClient, prompt: TPrompt, environment: string): Promise<TRollout> {
  const latest = await client.rollouts.get.query({ promptId: prompt.id, environment });
  if (latest === null || latest.status !== "active") {
    throw new CliError(
      `${prompt.name} (${prompt.id}) has no active rollout in ${environment}${latest === null ? "" : ` (the latest ended ${latest.status})`}; start one with \`promptreg rollout start\``,
      ExitCode.FAILURE,
    );
  }
  return latest;
}

/** A version id as "1.3", or the id itself when the version is gone. */
async function labelOf(client: PromptregClient, versionId: string): Promise<string> {
  try {
    return versionLabel(await client.versions.byId.query({ versionId }));
  } catch (error) {
    if (isNotFound(error)) return versionId;
    throw error;
  }
}

/** " by key …", " by the automatic rollback", or nothing (the bootstrap key). */
const endedBy = (by: string | null) => (by === null ? "" : by === "auto-rollback" ? " by the automatic rollback" : ` by key ${by}`);

const percent = (fraction: number) => `${Number((fraction * 100).toFixed(2))}%`;

function describeRule(rule: TAutoRollbackRule | null): string {
  if (rule === null) return "none";
  const p95 = rule.maxP95LatencyMs === undefined ? "" : ` or p95 latency > ${rule.maxP95LatencyMs} ms`;
  return `roll back when the candidate's error rate > ${percent(rule.maxErrorRate)}${p95}, after ${rule.minRequests} calls`;
}

/** One arm's calls in the rollout, from the metrics. */
interface ArmFigures {
  version: string;
  requests: number;
  errors: number;
  errorRate: number;
  p95LatencyMs: number | null;
}

/**
 * Each arm's calls in this environment since the rollout started (until it ended), from the per-version
 * metrics; null when the key may not read metrics (a runtime key). The candidate's figures are what its
 * auto-rollback rule judges.
 */
async function armFigures(client: PromptregClient, rollout: TRollout, labels: { stable: string; candidate: string }): Promise<{ stable: ArmFigures; candidate: ArmFigures } | null> {
  const end = rollout.endedAt === null ? Date.now() : Date.parse(rollout.endedAt);
  const start = Math.max(Date.parse(rollout.startedAt), end - MAX_METRICS_WINDOW_DAYS * 24 * 3600_000 + 60_000);
  let versions: TVersionMetrics[];
  try {
    ({ versions } = await client.metrics.byVersion.query({
      promptId: rollout.promptId,
      environment: rollout.environment,
      from: new Date(start).toISOString(),
      // A window of at least a second: a rollout can start and end within the same millisecond's rounding.
      to: new Date(Math.max(end, start + 1000)).toISOString(),
    }));
  } catch (error) {
    if (isForbidden(error)) return null;
    throw error;
  }
  const of = (versionId: string, version: string): ArmFigures => {
    const row = versions.find((candidate) => candidate.versionId === versionId);
    return { version, requests: row?.requests ?? 0, errors: row?.errors ?? 0, errorRate: row?.errorRate ?? 0, p95LatencyMs: row?.latencyMs.p95 ?? null };
  };
  return { stable: of(rollout.stableVersionId, labels.stable), candidate: of(rollout.candidateVersionId, labels.candidate) };
}

const count = (n: number) => n.toLocaleString("en-US");

function describeArm(figures: ArmFigures): string {
  if (figures.requests === 0) return `${figures.version}: no calls yet`;
  const p95 = figures.p95LatencyMs === null ? "" : `, p95 ${Math.round(figures.p95LatencyMs)} ms`;
  return `${figures.version}: ${count(figures.requests)} call${figures.requests === 1 ? "" : "s"}, ${count(figures.errors)} error${figures.errors === 1 ? "" : "s"} (${percent(figures.errorRate)})${p95}`;
}

/** Prints the environment's latest rollout after `what` (JSON: the rollout with version labels, and with `metrics` each arm's calls). */
async function report(context: CommandContext, client: PromptregClient, prompt: TPrompt, environment: string, what: string, metrics = false): Promise<void> {
  const { output } = context;
  const latest = await client.rollouts.get.query({ promptId: prompt.id, environment });
  if (latest === null) {
    output.result({ promptId: prompt.id, name: prompt.name, environment, rollout: null });
    output.line(`${prompt.name} ${output.color.cyan(environment)}: no rollout yet.`);
    return;
  }
  const [stable, candidate] = await Promise.all([labelOf(client, latest.stableVersionId), labelOf(client, latest.candidateVersionId)]);
  const arms = metrics ? await armFigures(client, latest, { stable, candidate }) : undefined;
  output.result({
    promptId: prompt.id,
    name: prompt.name,
    environment,
    rollout: { ...latest, stableVersion: stable, candidateVersion: candidate },
    ...(arms === undefined ? {} : { arms }),
  });
  const { color } = output;
  const state = latest.status === "active" ? color.green("active") : latest.status === "rolled_back" ? color.red("rolled back") : latest.status;
  const head = what === "status" ? "" : `${color.green("✓")} ${what}: `;
  output.line(`${head}${prompt.name} ${color.cyan(environment)}: ${stable} (stable) → ${color.bold(candidate)} (candidate) at ${latest.weight}%, ${state}`);
  output.line(`  rollout   ${color.dim(latest.id)}`);
  output.line(`  started   ${latest.startedAt}${latest.startedByKeyId === null ? "" : ` by key ${latest.startedByKeyId}`}`);
  if (latest.endedAt !== null) output.line(`  ended     ${latest.endedAt}${endedBy(latest.endedBy)}`);
  if (latest.reason !== null) output.line(`  reason    ${latest.reason}`);
  output.line(`  rule      ${describeRule(latest.autoRollback)}`);
  if (arms === null) output.line(color.dim("  (this key may not read metrics: each arm's calls are not shown)"));
  if (arms) {
    output.line(`  stable    ${describeArm(arms.stable)}`);
    output.line(`  candidate ${describeArm(arms.candidate)}`);
  }
}
