/**
 * Who the signed-in key is (its role, from `apiKeys.me`) and which environments are protected, as
 * react-query hooks, and `usePermission`: what the key may do, to turn off (and explain) the buttons the
 * server would refuse. The server still decides: a 403 shows its own message wherever it happens.
 */
import { DEFAULT_PROTECTED_ENVIRONMENTS, type TCreateApiKeyInput } from "@promptreg/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { permission, type Action, type Permission } from "../lib/permissions";
import { useSession } from "../session";
import { keys } from "./queries";

export const roleKeys = {
  whoAmI: ["who-am-i"] as const,
  protectedEnvironments: ["protected-environments"] as const,
  keyList: ["api-keys", "list"] as const,
};

export function useWhoAmI() {
  const { client } = useSession();
  // A key's role does not change (a new role is a new key); protection and keys are refetched when changed.
  return useQuery({ queryKey: roleKeys.whoAmI, queryFn: ({ signal }) => client.apiKeys.me.query(undefined, { signal }), staleTime: Infinity });
}

export function useProtectedEnvironments() {
  const { client } = useSession();
  return useQuery({
    queryKey: roleKeys.protectedEnvironments,
    queryFn: ({ signal }) => client.environments.protected.query(undefined, { signal }),
    staleTime: 60_000,
  });
}

/** `can(action, environment?)`: whether the signed-in key may, and if not why (naming the role needed). */
export function usePermission(): (action: Action, environment?: string) => Permission {
  const whoAmI = useWhoAmI();
  const protectedEnvironments = useProtectedEnvironments();
  const role = whoAmI.data?.role;
  const list = protectedEnvironments.data ?? DEFAULT_PROTECTED_ENVIRONMENTS;
  return useCallback((action: Action, environment?: string) => permission(role, action, environment, list), [role, list]);
}

export function useSetProtected() {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { environment: string; protected: boolean }) => client.environments.setProtected.mutate(input),
    onSuccess: (list) => queryClient.setQueryData(roleKeys.protectedEnvironments, list),
  });
}

/** Every key of the organization (admins only: others get 403, which the keys screen explains). */
export function useApiKeys() {
  const { client } = useSession();
  return useQuery({ queryKey: roleKeys.keyList, queryFn: ({ signal }) => client.apiKeys.list.query(undefined, { signal }) });
}

export function useCreateApiKey() {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: TCreateApiKeyInput) => client.apiKeys.create.mutate(input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.keyNames }),
  });
}

export function useRevokeApiKey() {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (keyId: string) => client.apiKeys.revoke.mutate({ keyId }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.keyNames }),
  });
}
