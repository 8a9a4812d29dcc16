/** Every repository method takes this first and builds its filter from it: an unscoped query does not compile. */
export interface TenantScope {
  readonly orgId: string;
}
