import type { TApiKey, TWhoAmI } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { roleKeys } from "../api/roles";
import { NOW, renderScreen, testQueryClient } from "../testing/render";
import { KeysScreen } from "./KeysScreen";

const key = (id: string, name: string, role: TApiKey["role"], revokedAt: string | null = null): TApiKey => ({ id, name, role, prefix: `pr_${id}`, createdAt: NOW, revokedAt });
const me = (role: TApiKey["role"], self: TApiKey): TWhoAmI => ({ organization: { id: "o1", name: "Acme", createdAt: NOW }, key: self, role, instanceAdmin: false });

describe("KeysScreen", () => {
  it("lists every key with its role, prefix and state; an admin may create and revoke", () => {
    const admin = key("k1", "ops-admin", "admin");
    const queryClient = testQueryClient();
    queryClient.setQueryData(roleKeys.whoAmI, me("admin", admin));
    queryClient.setQueryData(roleKeys.keyList, [admin, key("k2", "checkout-service", "runtime"), key("k3", "old-ci", "deployer", NOW)]);
    const html = renderScreen(<KeysScreen />, queryClient);
    expect(html.match(/<tr data-key=/g)).toHaveLength(3);
    expect(html).toContain("pr_k2…");
    expect(html).toContain('<span class="badge role-badge role-runtime">runtime</span>');
    // The signed-in key is marked; a revoked key says so and offers no revoke.
    expect(html).toMatch(/ops-admin<\/strong><span class="pill">you<\/span>/);
    expect(html).toContain("Revoked");
    expect(html.match(/aria-label="Revoke /g)).toHaveLength(2);
    expect(html).not.toContain('aria-disabled="true"');
    // Every role is explained in a line.
    expect(html).toContain("For applications: fetch and call prompts through the gateway; nothing else.");
  });

  it("shows a member the buttons off, naming the role they need", () => {
    const member = key("k9", "dev", "member");
    const queryClient = testQueryClient();
    queryClient.setQueryData(roleKeys.whoAmI, me("member", member));
    const html = renderScreen(<KeysScreen />, queryClient);
    expect(html).toMatch(/<button type="button" class="btn btn-primary is-locked" aria-disabled="true" title="Managing API keys needs the admin role or higher; this API key is a member key\."/);
    expect(html).toContain('role="note"');
  });
});
