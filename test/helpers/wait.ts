/**
 * Resolves once `predicate` holds (checked every 10 ms). Rejects after `ms` without
 * it: a deadline for a test that would otherwise hang, never a timing assertion.
 */
export async function until (predicate: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
