import { describe, expect, it } from "vitest";
import { neededRole, permission } from "./permissions";

describe("permissions", () => {
  it("moving a protected environment needs deployer, an unprotected one member", () => {
    expect(neededRole("move-environment", "production")).toBe("deployer");
    expect(neededRole("move-environment", "staging")).toBe("member");
    expect(neededRole("move-environment", "staging", ["production", "staging"])).toBe("deployer");
    expect(neededRole("move-environment", "production", [])).toBe("member");
  });

  it("explains a refusal with the role needed and the key's own", () => {
    expect(permission("member", "move-environment", "production", ["production"])).toEqual({
      allowed: false,
      reason: "Moving production (production is protected) needs the deployer role or higher; this API key is a member key.",
    });
    expect(permission("runtime", "create-version").reason).toBe("Creating versions needs the member role or higher; this API key is a runtime key.");
    expect(permission("deployer", "manage-keys").reason).toContain("needs the admin role");
    expect(permission("admin", "manage-keys").allowed).toBe(true);
  });

  it("follows the roles' order: each may do what the ones before it may", () => {
    expect(permission("member", "rollout").allowed).toBe(false);
    expect(permission("deployer", "rollout").allowed).toBe(true);
    expect(permission("admin", "delete").allowed).toBe(true);
    expect(permission("member", "move-environment", "staging").allowed).toBe(true);
  });

  it("allows while the role is not known yet (the server still decides)", () => {
    expect(permission(undefined, "delete").allowed).toBe(true);
  });
});
