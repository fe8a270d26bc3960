// TEMPORARY (integration placeholder until the provider lane's telemetry module is merged): no-op instruments.
export function recordGuardRefusal (_guard: string, _code: string): void {}
export function recordWebhookDelivery (_outcome: string): void {}
export function recordTransition (_from: string, _to: string): void {}
export function recordReconcileRepaired (_n: number): void {}
export function observePendingChanges (_fn: () => Promise<number> | number): () => void { return () => {} }
export async function withSpan<T> (_name: string, fn: () => Promise<T>): Promise<T> { return await fn() }
