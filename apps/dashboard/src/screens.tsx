/**
 * The app's top-level screens: the prompt list (at `#/`), a new prompt (`#/new`), and whatever else is
 * added. To add one: a file exporting its ScreenDefinition (see ./navigation.ts), and one line here; give
 * it `nav` to put it in the top bar (with a `g` shortcut).
 */
import type { ScreenDefinition } from "./navigation";
import { keysScreen } from "./pages/KeysScreen";
import { newPromptScreen } from "./pages/NewPrompt";
import { promptsScreen } from "./pages/PromptList";

export const SCREENS: readonly ScreenDefinition[] = [promptsScreen, newPromptScreen, keysScreen];

