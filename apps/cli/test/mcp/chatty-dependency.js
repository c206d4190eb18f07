/* global setImmediate, setInterval */
// Preloaded into mem0-mcp by a test: prints to stdout the way a careless dependency would, once
// the main module has started and then every few milliseconds while the server runs.
setImmediate(() => console.log('chatty dependency: loaded'));
setInterval(() => process.stdout.write('chatty dependency: still here\n'), 5).unref();
