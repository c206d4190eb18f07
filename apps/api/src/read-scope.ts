import type { MemoryStore } from '@memzero/core';

/**
 * Wrap the store of a read-scoped credential so that its contexts report `read`: the
 * permission a caller sees is what this credential allows, not what the account could do.
 * The routes already reject writes from such a credential.
 */
export function withReadScope(store: MemoryStore): MemoryStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'contexts') {
        return async () => {
          const contexts = await target.contexts();
          return contexts.map((context) => ({ ...context, permission: 'read' as const }));
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}
