// CPU profiles taken in-process with the V8 inspector, reduced to time per category.
import { Session } from 'node:inspector/promises';

/** Run `work` under the V8 sampling profiler and return its result and the profile. */
export async function withCpuProfile(work, samplingIntervalUs = 200) {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await session.post('Profiler.start');
    let result;
    let profile;
    try {
      result = await work();
    } finally {
      ({ profile } = await session.post('Profiler.stop'));
    }
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

/**
 * Sum the sampled time per category. Each sample goes to the first rule that matches a frame,
 * walking from the sampled function up to the root, so a helper called from a store method
 * counts under the helper's rule. Native code, such as a better-sqlite3 statement run, has no
 * frame of its own: V8 charges it to the JavaScript function that called it. Samples matched by
 * no rule are listed as `other: FUNCTION FILE`.
 */
export function timeByCategory(profile, rules) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parents.set(child, node.id);
    }
  }

  const sampledUs = new Map();
  profile.samples.forEach((nodeId, index) => {
    sampledUs.set(nodeId, (sampledUs.get(nodeId) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });

  const totals = new Map();
  let totalUs = 0;
  for (const [nodeId, us] of sampledUs) {
    const leaf = nodes.get(nodeId).callFrame;
    if (leaf.functionName === '(idle)' || leaf.functionName === '(program)') {
      continue;
    }
    totalUs += us;
    const category = categorize(nodeId, nodes, parents, rules) ?? `other: ${describeFrame(leaf)}`;
    totals.set(category, (totals.get(category) ?? 0) + us);
  }

  return [...totals]
    .map(([category, us]) => ({ category, ms: us / 1000, share: us / totalUs }))
    .sort((a, b) => b.ms - a.ms);
}

function categorize(nodeId, nodes, parents, rules) {
  for (let id = nodeId; id !== undefined; id = parents.get(id)) {
    const frame = nodes.get(id).callFrame;
    const rule = rules.find((candidate) => candidate.match(frame));
    if (rule) {
      return rule.name;
    }
  }
  return undefined;
}

function describeFrame(frame) {
  const file = frame.url.split('/').slice(-2).join('/');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

/** Make a rule that matches functions by name, and by file when `fileEnd` is given. */
export function functionRule(name, functionNames, fileEnd) {
  const names = new Set(functionNames);
  return {
    name,
    match: (frame) => names.has(frame.functionName) && (!fileEnd || frame.url.endsWith(fileEnd)),
  };
}

/** Make a rule that matches every function in files whose URL contains `fragment`. */
export function fileRule(name, fragment) {
  return { name, match: (frame) => frame.url.includes(fragment) };
}
