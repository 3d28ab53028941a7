/** The engine's own ceiling: a workflow that does nothing. */
export async function noopWorkflow(): Promise<void> {}
