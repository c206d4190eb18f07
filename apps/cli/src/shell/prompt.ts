import { type Colors } from '../io.js';
import { resolveTarget } from '../target.js';

/**
 * Build the prompt: `mem0> ` on the local store, `mem0 (NAME)> ` on the team server of profile
 * NAME, and `mem0 (HOST)> ` on the server of MEM0_SERVER.
 */
export function promptText(env: NodeJS.ProcessEnv, colors: Colors): string {
  const label = targetLabel(env);
  const name = colors.bold('mem0');
  return label === undefined ? `${name}> ` : `${name} ${colors.cyan(`(${label})`)}> `;
}

function targetLabel(env: NodeJS.ProcessEnv): string | undefined {
  try {
    const target = resolveTarget(env);
    if (target.kind === 'profile') {
      return target.profile.name;
    }
    if (target.kind === 'environment') {
      return new URL(target.url).host;
    }
    return undefined;
  } catch {
    // A broken configuration is reported by the commands that use it; the prompt stays plain.
    return undefined;
  }
}
