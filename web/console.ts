// The ForgeOne web console: a page over the kernel's HTTP API (docs/http-api.md), the same page
// for the Node server (API at /v1) and the Service Worker (API at forge/v1). No framework; bundled
// into console.js by web/build.ts. What it reads is typed by the API's own view types, so an
// answer that changes shape on the server fails the type-check here.

import type { z } from 'zod';
import type { ApiInfo } from '../src/http/app.ts';
import type { ErrorBody } from '../src/http/errors.ts';
import type { PackageList, StoredPackage } from '../src/http/packages.ts';
import type { QuarantineList } from '../src/http/quarantine.ts';
import type { runBodySchema } from '../src/http/run-request.ts';
import type { RunList, RunListItem } from '../src/http/run-view.ts';
import type { RunResponse } from '../src/http/runs.ts';
import type { ParsedLine } from '../src/dna/codec/parse.ts';
import type { CallArgs, CallEntry, CallResult } from '../src/dna/format.ts';
import type { TraceReport } from '../src/dna/index.ts';
import { ERRNO, ERRNO_NAMES } from '../src/ports/errno.ts';
import { isWasmModule } from '../src/lib/wasm-check.ts';

/** The body of POST /v1/runs as sent; a custom policy goes as typed (the kernel validates it: POLICY_INVALID names the field). */
type RunRequest = Omit<z.input<typeof runBodySchema>, 'policy'> & { policy?: unknown };
type GuestSource = { readonly module: string } | { readonly package: string } | { readonly packageDigest: string };
/** A call entry's line as the trace store keeps it (docs/dna.md § Lines), in the fields the timeline shows. */
type CallLine = { readonly t: 'call' } & Pick<CallEntry, 'seq' | 'syscall' | 'decision' | 'trust'> & {
  readonly args?: Pick<CallArgs, 'fd' | 'path' | 'path2' | 'env'>;
  readonly result: Pick<CallResult, 'errno'>;
};
type TraceLine = CallLine | { readonly t: Exclude<ParsedLine['t'], 'call'> };

/** An element of the page, of the kind the code expects (index.html and this file change together). */
function byId<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const e = document.getElementById(id);
  if (!(e instanceof type)) throw new Error(`the page has no ${type.name} #${id}`);
  return e;
}
const $ = (id: string) => byId(id, HTMLElement);
const input = (id: string) => byId(id, HTMLInputElement);
const textarea = (id: string) => byId(id, HTMLTextAreaElement);
const button = (id: string) => byId(id, HTMLButtonElement);
const ui = {
  kernel: $('kernel'), token: input('token'), error: $('error'),
  drop: $('drop'), file: input('file'), fileName: $('file-name'), allowUnsigned: input('allow-unsigned'),
  policy: byId('policy', HTMLSelectElement), policyJson: textarea('policy-json'), args: textarea('args'), env: textarea('env'),
  stdin: textarea('stdin'), fuel: input('fuel'), timeout: input('timeout'), tenant: input('tenant'),
  run: button('run'), running: $('running'), upload: button('upload'), refresh: button('refresh'),
  result: $('result'), runId: $('run-id'), status: $('status'), reason: $('reason'), exitCode: $('exit-code'),
  fuelUsed: $('fuel-used'), memory: $('memory'), duration: $('duration'), trust: $('trust'), trustBar: $('trust-bar'),
  integrity: $('integrity'), flags: $('flags'), stdout: $('stdout'), stderr: $('stderr'),
  verify: button('verify'), evidence: button('evidence'), explain: button('explain'), verdict: $('verdict'), explanation: $('explanation'),
  timelineSection: $('timeline-section'), timelineCount: $('timeline-count'), onlyDenied: input('only-denied'), timeline: $('timeline'),
  runs: $('runs'), quarantine: $('quarantine'), packages: $('packages'),
};

const params = new URLSearchParams(location.search);
const meta = (name: string) => document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? '';
// ?api= and ?sw= may name only this page's own origin: the token goes with every API request, so
// a link to the console must not be able to send it elsewhere, nor register another site's worker.
const ownOrigin = (spec: string): URL | null => {
  try {
    const url = new URL(spec, location.href);
    return url.origin === location.origin ? url : null;
  } catch {
    return null;
  }
};
const apiSpec = `${(params.get('api') ?? meta('forge-api')).replace(/\/$/, '')}/`;
const apiBase = ownOrigin(apiSpec);
const swSpec = params.get('sw') ?? meta('forge-sw');
const swScript = swSpec ? ownOrigin(swSpec) : null;

/** An errno as the timeline shows it: `ok`, its witx name (src/ports/errno.ts), or the number. */
const errnoName = (n: number): string | number => (n === ERRNO.SUCCESS ? 'ok' : ERRNO_NAMES[n] ?? n);

const state: { bytes: Uint8Array<ArrayBuffer> | null; fileName: string; isWasm: boolean; runId: string | null } = {
  bytes: null, fileName: '', isWasm: false, runId: null,
};

const token = ui.token;
token.value = sessionStorage.getItem('forge-token') ?? '';
token.addEventListener('change', () => { sessionStorage.setItem('forge-token', token.value); void refreshAll(); });

/** A refused API request: the API's error code and message, and the HTTP status. */
class ApiError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/** Calls the API; resolves to the Response, or throws an ApiError carrying the API's error code and message. */
async function api(path: string, init: RequestInit = {}): Promise<Response> {
  if (!apiBase) throw new Error(`the API must be on this page's origin (${location.origin}); ${apiSpec} is not`);
  // a path built from an answer (a run id) must not carry the token off this origin either
  const url = new URL(path.replace(/^\//, ''), apiBase);
  if (url.origin !== location.origin) throw new Error(`refusing to call ${url.href}: not this page's origin`);
  const headers = new Headers(init.headers);
  if (token.value) headers.set('authorization', `Bearer ${token.value}`);
  const res = await fetch(url, { ...init, headers });
  if (!res.ok) {
    let detail = `HTTP ${res.status}`;
    try {
      const { error } = await json<ErrorBody>(res);
      detail = `${error.code}: ${error.message}`;
    } catch { /* not an API error body */ }
    throw new ApiError(detail, res.status);
  }
  return res;
}
/** An answer's JSON, as the API's view type for the route says it is. */
const json = <T>(res: Response): Promise<T> => res.json() as Promise<T>;
const getJson = async <T>(path: string): Promise<T> => json<T>(await api(path));

const toBase64 = (bytes: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
const fromBase64 = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const text = (b64: string) => new TextDecoder().decode(fromBase64(b64));
const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);
type Child = Node | string | number | null | undefined;
/** An element whose attributes are set as attributes and whose children are nodes or text — never markup. */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Readonly<Record<string, string | undefined>> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
  return e;
}
const badge = (label: string, kind: string = label) => el('span', { class: `badge ${kind}` }, label);
const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : '');
const short = (hex: string | undefined) => (hex ? `${hex.slice(0, 12)}…` : '');
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
const showError = (e: unknown) => { ui.error.textContent = e ? messageOf(e) : ''; };

// ── choosing a guest ────────────────────────────────────────────────────────────────────────
function choose(file: File): void {
  void file.arrayBuffer().then((buf) => {
    const bytes = new Uint8Array(buf);
    state.bytes = bytes;
    state.fileName = file.name;
    state.isWasm = isWasmModule(bytes);
    ui.fileName.textContent = `${file.name} — ${bytes.length.toLocaleString()} bytes, ${state.isWasm ? 'a bare WebAssembly module (unsigned)' : 'a package'}`;
    if (state.isWasm) ui.allowUnsigned.checked = true;
    ui.run.disabled = false;
    ui.upload.disabled = state.isWasm;
    showError(null);
  });
}
const drop = ui.drop;
drop.addEventListener('click', () => ui.file.click());
drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') ui.file.click(); });
ui.file.addEventListener('change', () => { const f = ui.file.files?.[0]; if (f) choose(f); });
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files?.[0];
  if (f) choose(f);
});
ui.policy.addEventListener('change', () => { ui.policyJson.hidden = ui.policy.value !== 'custom'; });

// ── running ─────────────────────────────────────────────────────────────────────────────────
/** @throws SyntaxError for policy documents that are not JSON, Error for an environment line that is not NAME=value */
function runBody(source: GuestSource): RunRequest {
  const body: RunRequest = { ...source, name: state.fileName || undefined };
  if (ui.allowUnsigned.checked) body.allowUnsigned = true;
  const policy = ui.policy.value;
  if (policy === 'custom') body.policy = JSON.parse(ui.policyJson.value) as unknown;
  else if (policy) body.policy = policy;
  const args = lines(ui.args.value);
  if (args.length) body.args = args;
  const env: Record<string, string> = {};
  for (const l of lines(ui.env.value)) {
    const i = l.indexOf('=');
    if (i <= 0) throw new Error(`environment line "${l}" is not NAME=value`);
    env[l.slice(0, i)] = l.slice(i + 1);
  }
  if (Object.keys(env).length) body.env = env;
  if (ui.stdin.value) body.stdin = toBase64(new TextEncoder().encode(ui.stdin.value));
  const limits: NonNullable<RunRequest['limits']> = {};
  if (ui.fuel.value) limits.fuel = Number(ui.fuel.value);
  if (ui.timeout.value) limits.timeoutMs = Number(ui.timeout.value);
  if (Object.keys(limits).length) body.limits = limits;
  if (ui.tenant.value.trim()) body.tenant = ui.tenant.value.trim();
  return body;
}

async function run(source: GuestSource): Promise<void> {
  showError(null);
  ui.run.disabled = true;
  ui.running.textContent = 'running…';
  try {
    const body = runBody(source);
    const res = await api('v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    showResult(await json<RunResponse>(res));
  } catch (e) {
    showError(e);
  } finally {
    ui.run.disabled = !state.bytes;
    ui.running.textContent = '';
    void refreshLists();
  }
}
ui.run.addEventListener('click', () => {
  if (!state.bytes) return;
  void run(state.isWasm ? { module: toBase64(state.bytes) } : { package: toBase64(state.bytes) });
});

function showResult(r: RunResponse): void {
  ui.result.hidden = false;
  ui.runId.textContent = r.runId ?? '(not traced)';
  ui.status.textContent = r.status;
  ui.status.className = `badge ${r.status}`;
  ui.reason.textContent = r.reason + (r.error ? ` (${r.error.code})` : '');
  ui.exitCode.textContent = String(r.exitCode);
  ui.fuelUsed.textContent = BigInt(r.fuelUsed).toLocaleString();
  ui.memory.textContent = `${(r.peakMemoryBytes / 1024).toLocaleString()} KiB`;
  ui.duration.textContent = `${r.durationMs} ms`;
  ui.trust.textContent = `${r.trust.score}${r.trust.quarantined ? ' (quarantined)' : ''}`;
  ui.trustBar.style.width = `${r.trust.score}%`;
  ui.trustBar.style.background = r.trust.score < 30 ? 'var(--deny)' : r.trust.score < 60 ? 'var(--warn)' : 'var(--allow)';
  ui.integrity.textContent = r.summary ? String(r.summary.integrityScore) : '–';
  ui.flags.replaceChildren(...(r.summary?.riskFlags ?? []).map((f) => badge(f, 'warn')), ' ');
  ui.stdout.textContent = text(r.stdout);
  ui.stderr.textContent = text(r.stderr);
  ui.verdict.replaceChildren();
  ui.explanation.hidden = true;
  state.runId = r.runId;
  if (r.runId) void loadTimeline(r.runId);
}

// ── a run's trace: the decision timeline, verification, explanation, evidence ──────────────
async function loadTimeline(runId: string): Promise<void> {
  const ndjson = await (await api(`v1/runs/${runId}/trace`)).text();
  const entries = lines(ndjson).map((l) => JSON.parse(l) as TraceLine);
  const calls = entries.filter((e): e is CallLine => e.t === 'call');
  const only = ui.onlyDenied.checked;
  const rows = calls.filter((c) => !only || c.decision.effect === 'deny').map((c) => {
    const a = c.args ?? {};
    const target = [a.path, a.path2 && `→ ${a.path2}`, a.env, a.path === undefined && a.env === undefined && a.fd !== undefined ? `fd ${a.fd}` : undefined]
      .filter(Boolean).join(' ');
    return el('tr', { class: c.decision.effect === 'deny' ? 'deny' : undefined, 'data-effect': c.decision.effect },
      el('td', {}, c.seq), el('td', {}, el('code', {}, c.syscall)), el('td', {}, target),
      el('td', {}, badge(c.decision.effect)), el('td', {}, el('code', {}, c.decision.rules.join(', ') || '(default deny)')),
      el('td', { class: 'small' }, c.decision.reason), el('td', {}, errnoName(c.result.errno)), el('td', {}, c.trust));
  });
  const denied = calls.filter((c) => c.decision.effect === 'deny').length;
  ui.timeline.replaceChildren(...rows);
  ui.timelineCount.textContent = `${calls.length} calls, ${denied} denied${entries.some((e) => e.t === 'drop') ? ', with drop records' : ''}`;
  ui.timelineSection.hidden = false;
}
ui.onlyDenied.addEventListener('change', () => { if (state.runId) void loadTimeline(state.runId); });

ui.verify.addEventListener('click', async () => {
  const v = ui.verdict;
  try {
    const r = await getJson<TraceReport>(`v1/runs/${state.runId}/verify`);
    v.replaceChildren(badge('verified', 'ok'), ` ${r.message}`);
  } catch (e) {
    v.replaceChildren(badge('not verified', 'deny'), ` ${messageOf(e)}`);
  }
});
ui.explain.addEventListener('click', async () => {
  try {
    ui.explanation.textContent = await (await api(`v1/runs/${state.runId}/explain`)).text();
    ui.explanation.hidden = false;
  } catch (e) { showError(e); }
});
ui.evidence.addEventListener('click', async () => {
  try {
    const blob = await (await api(`v1/runs/${state.runId}/evidence`)).blob();
    const a = el('a', { href: URL.createObjectURL(blob), download: `forge-evidence-${state.runId}.tar` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  } catch (e) { showError(e); }
});

// ── lists: past runs, quarantine, packages ──────────────────────────────────────────────────
async function showRun(item: RunListItem): Promise<void> {
  state.runId = item.runId;
  ui.result.hidden = false;
  ui.runId.textContent = item.runId;
  const status = item.outcome?.status ?? (item.sealed ? 'unknown' : 'unsealed');
  ui.status.textContent = status;
  ui.status.className = `badge ${status}`;
  ui.reason.textContent = item.outcome?.message ?? '';
  ui.exitCode.textContent = String(item.outcome?.exitCode ?? '–');
  for (const e of [ui.fuelUsed, ui.memory, ui.duration, ui.trust]) e.textContent = '–';
  ui.trustBar.style.width = '0';
  ui.integrity.textContent = String(item.integrityScore ?? '–');
  ui.flags.replaceChildren(...(item.riskFlags ?? []).map((f) => badge(f, 'warn')));
  ui.stdout.textContent = '(output is returned by the run request only; the trace keeps what the guest read)';
  ui.stderr.textContent = '';
  ui.verdict.replaceChildren();
  ui.explanation.hidden = true;
  await loadTimeline(item.runId);
}

async function refreshLists(): Promise<void> {
  const jobs = [
    getJson<RunList>('v1/runs?limit=25').then(({ runs }) => {
      ui.runs.replaceChildren(...runs.map((r) => {
        const tr = el('tr', { class: 'clickable', 'data-run': r.runId },
          el('td', {}, when(r.startedAt ?? r.createdAt)),
          el('td', {}, r.package?.name ? `${r.package.name}@${r.package.version}` : short(r.package?.digest)),
          el('td', {}, badge(r.outcome?.status ?? (r.sealed ? '?' : 'unsealed'), r.outcome?.status), r.outcome?.exitCode !== undefined ? ` ${r.outcome.exitCode}` : ''),
          el('td', {}, r.integrityScore ?? ''));
        tr.addEventListener('click', () => { void showRun(r).catch(showError); });
        return tr;
      }));
    }),
    getJson<QuarantineList>('v1/quarantine').then(({ records }) => {
      ui.quarantine.replaceChildren(...(records.length ? records.map((q) => el('tr', {}, el('td', {}, el('code', {}, q.identity)), el('td', {}, when(new Date(q.at).toISOString())), el('td', { class: 'small' }, q.reason)))
        : [el('tr', {}, el('td', { colspan: '3', class: 'muted' }, 'none'))]));
    }),
    getJson<PackageList>('v1/packages').then(({ packages }) => {
      ui.packages.replaceChildren(...packages.map((p) => {
        const b = el('button', { class: 'secondary' }, 'Run');
        b.addEventListener('click', () => { void run({ packageDigest: p.digest }); });
        return el('tr', {}, el('td', {}, p.name ? `${p.name}@${p.version}` : '(unreadable)'), el('td', {}, el('code', {}, short(p.digest))), el('td', {}, b));
      }));
    }),
  ];
  // a token without a list's scope still sees the others
  const results = await Promise.allSettled(jobs);
  const failed = results.find((r) => r.status === 'rejected');
  const reason: unknown = failed?.reason;
  if (reason instanceof ApiError && reason.status === 401) showError(reason);
}
ui.refresh.addEventListener('click', () => { void refreshLists(); });

ui.upload.addEventListener('click', async () => {
  try {
    const res = await api('v1/packages', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: state.bytes });
    const p = await json<StoredPackage>(res);
    ui.fileName.textContent += ` — stored as ${short(p.digest)}`;
    void refreshLists();
  } catch (e) { showError(e); }
});

// ── start ───────────────────────────────────────────────────────────────────────────────────
async function refreshAll(): Promise<void> {
  try {
    const k = await getJson<ApiInfo>('v1');
    ui.kernel.textContent = `kernel ${k.kernelId} on ${k.platform} · auth ${k.auth} · ${k.trustRoots.length} trust root(s)`;
  } catch (e) {
    ui.kernel.textContent = `API unreachable or refused: ${messageOf(e)}`;
    return;
  }
  await refreshLists();
}

async function start(): Promise<void> {
  if (!apiBase) throw new Error(`the API must be on this page's origin (${location.origin}); ${apiSpec} is not`);
  if (swSpec && !swScript) throw new Error(`the Service Worker must be on this page's origin (${location.origin}); ${swSpec} is not`);
  if (swScript) {
    if (!('serviceWorker' in navigator)) throw new Error('this browser has no Service Workers');
    const sw = navigator.serviceWorker;
    await sw.register(swScript, { scope: './' });
    await sw.ready;
    // the first load is not controlled until the worker claims it
    if (!sw.controller) {
      await new Promise<void>((ok) => sw.addEventListener('controllerchange', () => ok(), { once: true }));
    }
  }
  await refreshAll();
}
start().then(() => { document.body.dataset.ready = 'true'; }, (e: unknown) => { ui.kernel.textContent = `cannot start: ${messageOf(e)}`; });
