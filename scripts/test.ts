// Runs the whole test suite with `bun test` and ends with the plain
// closing line CI reads: "N passed, N failed". The exit code is bun's.

const child = Bun.spawn([process.execPath, "test", ...process.argv.slice(2)], {
  stdout: "inherit",
  stderr: "pipe",
  env: process.env,
});

let tail = "";
const decoder = new TextDecoder();
for await (const chunk of child.stderr as ReadableStream<Uint8Array>) {
  const text = decoder.decode(chunk, { stream: true });
  process.stderr.write(text);
  tail = (tail + text).slice(-4096);
}
const code = await child.exited;

const passed = Number(/(\d+) pass\b/.exec(tail)?.[1] ?? 0);
const failed = Number(/(\d+) fail\b/.exec(tail)?.[1] ?? 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(code === 0 && passed === 0 ? 1 : code);
