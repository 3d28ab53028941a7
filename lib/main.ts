import { pathToFileURL } from 'node:url';

/** True when the module at `moduleUrl` is the process entry point (`tsx file.ts`). */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
}

/** Runs `main`, printing a failure without a stack dump for configuration errors. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
