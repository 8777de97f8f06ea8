// A node:test reporter that writes the leaf-test counts as JSON (the orchestrator sums them).
export default async function* countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    if (d.details?.type === 'suite') continue;
    if (d.skip !== undefined && d.skip !== false || d.todo !== undefined && d.todo !== false) counts.skipped++;
    else if (event.type === 'test:pass') counts.passed++;
    else {
      counts.failed++;
      counts.failures.push(`${d.file ?? ''} › ${d.name}`);
    }
  }
  yield JSON.stringify(counts);
}
