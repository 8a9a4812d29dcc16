import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { addLeaveGuard, currentHash, leaveAllowed, navigate, subscribeHash, UNSAVED_CHANGES_MESSAGE } from "./router";

/** The parts of a browser window the router uses: a URL with a hash, history, hashchange, confirm. */
function fakeWindow() {
  const events = new EventTarget();
  let url = new URL("http://app.test/#/prompts/p1/versions/v1/edit");
  const go = (href: string) => {
    url = new URL(href, url);
  };
  return Object.assign(events, {
    confirm: vi.fn<(message: string) => boolean>(() => false),
    location: {
      get href() {
        return url.href;
      },
      get pathname() {
        return url.pathname;
      },
      get search() {
        return url.search;
      },
      get hash() {
        return url.hash;
      },
      set hash(value: string) {
        url.hash = value;
        events.dispatchEvent(new Event("hashchange"));
      },
    },
    history: {
      state: null,
      pushState: (_state: unknown, _title: string, href: string) => go(href),
      replaceState: (_state: unknown, _title: string, href: string) => go(href),
    },
    /** Back, Forward or an edited URL: the browser changes the URL, then fires hashchange. */
    travel(hash: string) {
      url.hash = hash;
      events.dispatchEvent(new Event("hashchange"));
    },
  });
}
type FakeWindow = ReturnType<typeof fakeWindow>;

let win: FakeWindow;
let changes: number;
let unsubscribe: () => void;
let removeGuard: (() => void) | undefined;

beforeEach(() => {
  win = fakeWindow();
  vi.stubGlobal("window", win);
  vi.stubGlobal("HashChangeEvent", class extends Event {});
  changes = 0;
  unsubscribe = subscribeHash(() => (changes += 1));
});

afterEach(() => {
  removeGuard?.();
  removeGuard = undefined;
  unsubscribe();
  vi.unstubAllGlobals();
});

describe("leaving a page with unsaved changes", () => {
  it("without changes, Back just goes", () => {
    win.travel("#/prompts/p1/versions/v1");
    expect(win.confirm).not.toHaveBeenCalled();
    expect(currentHash()).toBe("#/prompts/p1/versions/v1");
    expect(changes).toBe(1);
  });

  it("Back asks; refusing keeps the page and puts its URL back", () => {
    removeGuard = addLeaveGuard();
    win.travel("#/prompts/p1/versions/v1");
    expect(win.confirm).toHaveBeenCalledWith(UNSAVED_CHANGES_MESSAGE);
    expect(changes).toBe(0);
    expect(currentHash()).toBe("#/prompts/p1/versions/v1/edit");
    expect(win.location.hash).toBe("#/prompts/p1/versions/v1/edit");
  });

  it("Back asks; agreeing goes", () => {
    removeGuard = addLeaveGuard();
    win.confirm.mockReturnValue(true);
    win.travel("#/prompts/p1/versions/v1");
    expect(changes).toBe(1);
    expect(currentHash()).toBe("#/prompts/p1/versions/v1");
  });

  it("a link asks before going, once; refusing stays", () => {
    removeGuard = addLeaveGuard();
    expect(leaveAllowed("#/prompts/p1/versions/v1")).toBe(false);
    win.confirm.mockReturnValue(true);
    expect(leaveAllowed("#/prompts/p1/versions/v1")).toBe(true);
    expect(win.confirm).toHaveBeenCalledTimes(2);
    // The browser then follows the link: no second question.
    win.location.hash = "#/prompts/p1/versions/v1";
    expect(win.confirm).toHaveBeenCalledTimes(2);
    expect(currentHash()).toBe("#/prompts/p1/versions/v1");
  });

  it("a link to the page already shown never asks", () => {
    removeGuard = addLeaveGuard();
    expect(leaveAllowed("#/prompts/p1/versions/v1/edit")).toBe(true);
    expect(win.confirm).not.toHaveBeenCalled();
  });

  it("navigate() (the app leaving after a save) does not ask", () => {
    removeGuard = addLeaveGuard();
    navigate({ name: "version", promptId: "p1", versionId: "v2" });
    expect(win.confirm).not.toHaveBeenCalled();
    expect(currentHash()).toBe("#/prompts/p1/versions/v2");
  });

  it("once the changes are saved or dropped, nothing asks", () => {
    addLeaveGuard()();
    expect(leaveAllowed("#/")).toBe(true);
    win.travel("#/");
    expect(win.confirm).not.toHaveBeenCalled();
  });

  it("a reload or closing the tab is held up by beforeunload while there are changes", () => {
    const unload = () => {
      const event = new Event("beforeunload", { cancelable: true });
      // A browser's BeforeUnloadEvent has a writable returnValue; Node's Event only a getter.
      Object.defineProperty(event, "returnValue", { value: true, writable: true });
      win.dispatchEvent(event);
      return event.defaultPrevented;
    };
    expect(unload()).toBe(false);
    removeGuard = addLeaveGuard();
    expect(unload()).toBe(true);
    removeGuard();
    removeGuard = undefined;
    expect(unload()).toBe(false);
  });
});
