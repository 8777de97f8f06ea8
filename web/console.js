// The ForgeOne web console: a page over the kernel's HTTP API (docs/http-api.md), the same page
// for the Node server (API at /v1) and the Service Worker (API at forge/v1). No framework, no build.

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? '';
// ?api= and ?sw= may name only this page's own origin: the token goes with every API request, so
// a link to the console must not be able to send it elsewhere, nor register another site's worker.
const ownOrigin = (spec) => {
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

// WASI errno names for the ones a timeline shows most; others are shown as numbers.
const ERRNO = { 0: 'ok', 2: 'ACCES', 8: 'BADF', 20: 'EXIST', 28: 'INVAL', 44: 'NOENT', 54: 'NOTDIR', 58: 'NOTSUP', 63: 'PERM', 69: 'ROFS', 76: 'NOTCAPABLE' };

const state = { bytes: null, fileName: '', isWasm: false, runId: null };

const token = $('token');
token.value = sessionStorage.getItem('forge-token') ?? '';
token.addEventListener('change', () => { sessionStorage.setItem('forge-token', token.value); void refreshAll(); });

/** Calls the API; resolves to the Response, or throws an Error carrying the API's error code and message. */
async function api(path, init = {}) {
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
      const { error } = await res.json();
      detail = `${error.code}: ${error.message}`;
    } catch { /* not an API error body */ }
    const e = new Error(detail);
    e.status = res.status;
    throw e;
  }
  return res;
}
const getJson = async (path) => (await api(path)).json();

const toBase64 = (bytes) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
const fromBase64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const text = (b64) => new TextDecoder().decode(fromBase64(b64));
const lines = (s) => s.split('\n').map((l) => l.trim()).filter(Boolean);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
  return e;
};
const badge = (label, kind = label) => el('span', { class: `badge ${kind}` }, label);
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const short = (hex) => (hex ? `${hex.slice(0, 12)}…` : '');
const showError = (e) => { $('error').textContent = e ? String(e.message ?? e) : ''; };

// ── choosing a guest ────────────────────────────────────────────────────────────────────────
function choose(file) {
  void file.arrayBuffer().then((buf) => {
    state.bytes = new Uint8Array(buf);
    state.fileName = file.name;
    state.isWasm = state.bytes[0] === 0 && state.bytes[1] === 0x61 && state.bytes[2] === 0x73 && state.bytes[3] === 0x6d;
    $('file-name').textContent = `${file.name} — ${state.bytes.length.toLocaleString()} bytes, ${state.isWasm ? 'a bare WebAssembly module (unsigned)' : 'a package'}`;
    if (state.isWasm) $('allow-unsigned').checked = true;
    $('run').disabled = false;
    $('upload').disabled = state.isWasm;
    showError(null);
  });
}
const drop = $('drop');
drop.addEventListener('click', () => $('file').click());
drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') $('file').click(); });
$('file').addEventListener('change', () => { const f = $('file').files?.[0]; if (f) choose(f); });
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files?.[0];
  if (f) choose(f);
});
$('policy').addEventListener('change', () => { $('policy-json').hidden = $('policy').value !== 'custom'; });

// ── running ─────────────────────────────────────────────────────────────────────────────────
function runBody(source) {
  const body = { ...source, name: state.fileName || undefined };
  if ($('allow-unsigned').checked) body.allowUnsigned = true;
  const policy = $('policy').value;
  if (policy === 'custom') body.policy = JSON.parse($('policy-json').value);
  else if (policy) body.policy = policy;
  const args = lines($('args').value);
  if (args.length) body.args = args;
  const env = {};
  for (const l of lines($('env').value)) {
    const i = l.indexOf('=');
    if (i <= 0) throw new Error(`environment line "${l}" is not NAME=value`);
    env[l.slice(0, i)] = l.slice(i + 1);
  }
  if (Object.keys(env).length) body.env = env;
  if ($('stdin').value) body.stdin = toBase64(new TextEncoder().encode($('stdin').value));
  const limits = {};
  if ($('fuel').value) limits.fuel = Number($('fuel').value);
  if ($('timeout').value) limits.timeoutMs = Number($('timeout').value);
  if (Object.keys(limits).length) body.limits = limits;
  if ($('tenant').value.trim()) body.tenant = $('tenant').value.trim();
  return body;
}

async function run(source) {
  showError(null);
  $('run').disabled = true;
  $('running').textContent = 'running…';
  try {
    const body = runBody(source);
    const res = await api('v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    showResult(await res.json());
  } catch (e) {
    showError(e);
  } finally {
    $('run').disabled = !state.bytes;
    $('running').textContent = '';
    void refreshLists();
  }
}
$('run').addEventListener('click', () => {
  if (!state.bytes) return;
  void run(state.isWasm ? { module: toBase64(state.bytes) } : { package: toBase64(state.bytes) });
});

function showResult(r) {
  $('result').hidden = false;
  $('run-id').textContent = r.runId ?? '(not traced)';
  const st = $('status');
  st.textContent = r.status;
  st.className = `badge ${r.status}`;
  $('reason').textContent = r.reason + (r.error ? ` (${r.error.code})` : '');
  $('exit-code').textContent = r.exitCode;
  $('fuel-used').textContent = BigInt(r.fuelUsed).toLocaleString();
  $('memory').textContent = `${(r.peakMemoryBytes / 1024).toLocaleString()} KiB`;
  $('duration').textContent = `${r.durationMs} ms`;
  $('trust').textContent = `${r.trust.score}${r.trust.quarantined ? ' (quarantined)' : ''}`;
  $('trust-bar').style.width = `${r.trust.score}%`;
  $('trust-bar').style.background = r.trust.score < 30 ? 'var(--deny)' : r.trust.score < 60 ? 'var(--warn)' : 'var(--allow)';
  $('integrity').textContent = r.summary ? r.summary.integrityScore : '–';
  $('flags').replaceChildren(...(r.summary?.riskFlags ?? []).map((f) => badge(f, 'warn')), ' ');
  $('stdout').textContent = text(r.stdout);
  $('stderr').textContent = text(r.stderr);
  $('verdict').replaceChildren();
  $('explanation').hidden = true;
  state.runId = r.runId;
  if (r.runId) void loadTimeline(r.runId);
}

// ── a run's trace: the decision timeline, verification, explanation, evidence ──────────────
async function loadTimeline(runId) {
  const ndjson = await (await api(`v1/runs/${runId}/trace`)).text();
  const entries = lines(ndjson).map((l) => JSON.parse(l));
  const calls = entries.filter((e) => e.t === 'call');
  const only = $('only-denied').checked;
  const rows = calls.filter((c) => !only || c.decision.effect === 'deny').map((c) => {
    const a = c.args ?? {};
    const target = [a.path, a.path2 && `→ ${a.path2}`, a.env, a.path === undefined && a.env === undefined && a.fd !== undefined ? `fd ${a.fd}` : undefined]
      .filter(Boolean).join(' ');
    return el('tr', { class: c.decision.effect === 'deny' ? 'deny' : undefined, 'data-effect': c.decision.effect },
      el('td', {}, c.seq), el('td', {}, el('code', {}, c.syscall)), el('td', {}, target),
      el('td', {}, badge(c.decision.effect)), el('td', {}, el('code', {}, c.decision.rules.join(', ') || '(default deny)')),
      el('td', { class: 'small' }, c.decision.reason), el('td', {}, ERRNO[c.result.errno] ?? c.result.errno), el('td', {}, c.trust));
  });
  const denied = calls.filter((c) => c.decision.effect === 'deny').length;
  $('timeline').replaceChildren(...rows);
  $('timeline-count').textContent = `${calls.length} calls, ${denied} denied${entries.some((e) => e.t === 'drop') ? ', with drop records' : ''}`;
  $('timeline-section').hidden = false;
}
$('only-denied').addEventListener('change', () => { if (state.runId) void loadTimeline(state.runId); });

$('verify').addEventListener('click', async () => {
  const v = $('verdict');
  try {
    const r = await getJson(`v1/runs/${state.runId}/verify`);
    v.replaceChildren(badge('verified', 'ok'), ` ${r.message}`);
  } catch (e) {
    v.replaceChildren(badge('not verified', 'deny'), ` ${e.message}`);
  }
});
$('explain').addEventListener('click', async () => {
  try {
    $('explanation').textContent = await (await api(`v1/runs/${state.runId}/explain`)).text();
    $('explanation').hidden = false;
  } catch (e) { showError(e); }
});
$('evidence').addEventListener('click', async () => {
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
async function showRun(item) {
  state.runId = item.runId;
  $('result').hidden = false;
  $('run-id').textContent = item.runId;
  const status = item.outcome?.status ?? (item.sealed ? 'unknown' : 'unsealed');
  $('status').textContent = status;
  $('status').className = `badge ${status}`;
  $('reason').textContent = item.outcome?.message ?? '';
  $('exit-code').textContent = item.outcome?.exitCode ?? '–';
  for (const id of ['fuel-used', 'memory', 'duration', 'trust']) $(id).textContent = '–';
  $('trust-bar').style.width = '0';
  $('integrity').textContent = item.integrityScore ?? '–';
  $('flags').replaceChildren(...(item.riskFlags ?? []).map((f) => badge(f, 'warn')));
  $('stdout').textContent = '(output is returned by the run request only; the trace keeps what the guest read)';
  $('stderr').textContent = '';
  $('verdict').replaceChildren();
  $('explanation').hidden = true;
  await loadTimeline(item.runId);
}

async function refreshLists() {
  const jobs = [
    getJson('v1/runs?limit=25').then(({ runs }) => {
      $('runs').replaceChildren(...runs.map((r) => {
        const tr = el('tr', { class: 'clickable', 'data-run': r.runId },
          el('td', {}, when(r.startedAt ?? r.createdAt)),
          el('td', {}, r.package?.name ? `${r.package.name}@${r.package.version}` : short(r.package?.digest)),
          el('td', {}, badge(r.outcome?.status ?? (r.sealed ? '?' : 'unsealed'), r.outcome?.status), r.outcome?.exitCode !== undefined ? ` ${r.outcome.exitCode}` : ''),
          el('td', {}, r.integrityScore ?? ''));
        tr.addEventListener('click', () => { void showRun(r).catch(showError); });
        return tr;
      }));
    }),
    getJson('v1/quarantine').then(({ records }) => {
      $('quarantine').replaceChildren(...(records.length ? records.map((q) => el('tr', {}, el('td', {}, el('code', {}, q.identity)), el('td', {}, when(new Date(q.at).toISOString())), el('td', { class: 'small' }, q.reason)))
        : [el('tr', {}, el('td', { colspan: '3', class: 'muted' }, 'none'))]));
    }),
    getJson('v1/packages').then(({ packages }) => {
      $('packages').replaceChildren(...packages.map((p) => {
        const b = el('button', { class: 'secondary' }, 'Run');
        b.addEventListener('click', () => { void run({ packageDigest: p.digest }); });
        return el('tr', {}, el('td', {}, p.name ? `${p.name}@${p.version}` : '(unreadable)'), el('td', {}, el('code', {}, short(p.digest))), el('td', {}, b));
      }));
    }),
  ];
  // a token without a list's scope still sees the others
  const results = await Promise.allSettled(jobs);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed && failed.reason?.status === 401) showError(failed.reason);
}
$('refresh').addEventListener('click', () => { void refreshLists(); });

$('upload').addEventListener('click', async () => {
  try {
    const res = await api('v1/packages', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: state.bytes });
    const p = await res.json();
    $('file-name').textContent += ` — stored as ${short(p.digest)}`;
    void refreshLists();
  } catch (e) { showError(e); }
});

// ── start ───────────────────────────────────────────────────────────────────────────────────
async function refreshAll() {
  try {
    const k = await getJson('v1');
    $('kernel').textContent = `kernel ${k.kernelId} on ${k.platform} · auth ${k.auth} · ${k.trustRoots.length} trust root(s)`;
  } catch (e) {
    $('kernel').textContent = `API unreachable or refused: ${e.message}`;
    return;
  }
  await refreshLists();
}

async function start() {
  if (!apiBase) throw new Error(`the API must be on this page's origin (${location.origin}); ${apiSpec} is not`);
  if (swSpec && !swScript) throw new Error(`the Service Worker must be on this page's origin (${location.origin}); ${swSpec} is not`);
  if (swScript) {
    if (!('serviceWorker' in navigator)) throw new Error('this browser has no Service Workers');
    await navigator.serviceWorker.register(swScript, { scope: './' });
    await navigator.serviceWorker.ready;
    // the first load is not controlled until the worker claims it
    if (!navigator.serviceWorker.controller) {
      await new Promise((ok) => navigator.serviceWorker.addEventListener('controllerchange', ok, { once: true }));
    }
  }
  await refreshAll();
}
start().then(() => { document.body.dataset.ready = 'true'; }, (e) => { $('kernel').textContent = `cannot start: ${e.message}`; });
