// The one role check, and the read-time rule that keeps keys stored before roles got finer working.
import { API_KEY_ROLES } from "@promptreg/contracts";
import { describe, expect, it } from "vitest";
import { effectiveRole } from "../db/api-keys.repository.js";
import { AppError } from "../errors.js";
import { requireRole } from "./permissions.js";
import type { RequestScope } from "./scope.js";

const scopeOf = (role: RequestScope["role"]): RequestScope => ({ orgId: "o", keyId: "k", role, instanceAdmin: false });

describe("requireRole", () => {
  it("lets a role do what it or any role below it may, and refuses the rest with 403 naming the action and the role needed", () => {
    for (const [i, role] of API_KEY_ROLES.entries()) {
      for (const [j, needed] of API_KEY_ROLES.entries()) {
        const check = () => requireRole(scopeOf(role), needed, "do it");
        if (i >= j) expect(check).not.toThrow();
        else {
          expect(check).toThrow(AppError);
          try {
            check();
          } catch (error) {
            expect(error).toMatchObject({
              code: "FORBIDDEN",
              httpStatus: 403,
              message: `this API key (role ${role}) may not do it: that needs the ${needed} role or higher`,
              details: { role, requiredRole: needed },
            });
          }
        }
      }
    }
  });
});

describe("effectiveRole", () => {
  it("reads a member key stored without the roleScheme marker as deployer, and every marked key as stored", () => {
    expect(effectiveRole({ role: "member" })).toBe("deployer");
    expect(effectiveRole({ role: "admin" })).toBe("admin");
    for (const role of API_KEY_ROLES) expect(effectiveRole({ role, roleScheme: 2 })).toBe(role);
  });
});
