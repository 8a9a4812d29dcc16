/**
 * What a top-level screen and a prompt's tab are, for the lists that make the app's navigation
 * (src/screens.tsx and src/pages/tabs.tsx). Adding one is one new file exporting its definition, and one
 * line in its list: the router, the top bar, the tab row, the browser tab's title and the keyboard
 * shortcuts follow.
 */
import type { TPrompt } from "@promptreg/contracts";
import type { ComponentType } from "react";
import type { Params } from "./lib/routes";

export interface ScreenDefinition {
  /** Its URL: `#/<id>` (the prompt list, `prompts`, is `#/`). */
  id: string;
  /** The browser tab's title. */
  title: string;
  /** Shown in the top bar's navigation, with the shortcut `g` then `key` when given. */
  nav?: { label: string; key?: string };
  component: ComponentType<{ params: Params }>;
}

export interface PromptTabDefinition {
  /** Its URL: `#/prompts/<prompt id>/<id>` (`versions` is the prompt's own URL). */
  id: string;
  label: string;
  component: ComponentType<{ prompt: TPrompt; params: Params }>;
}
