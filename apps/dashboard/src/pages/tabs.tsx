/**
 * A prompt's sections, in the order of its tab row (and of their shortcuts, 1 to 9). To add one: a file
 * exporting its PromptTabDefinition (see ../navigation.ts), and one line here.
 */
import type { PromptTabDefinition } from "../navigation";
import { compareTab } from "./CompareTab";
import { deploymentsTab } from "./DeploymentsTab";
import { metricsTab } from "./MetricsTab";
import { playgroundTab } from "./PlaygroundTab";
import { requestsTab } from "./RequestsTab";
import { versionsTab } from "./VersionsTab";

export const PROMPT_TABS: readonly PromptTabDefinition[] = [versionsTab, compareTab, deploymentsTab, playgroundTab, metricsTab, requestsTab];
