/** Every conformance case, in one list: each runtime's runner runs exactly this list. */
import type { ConformanceCase } from './harness.ts';
import { foundationCases } from './foundation.ts';
import { instrumentCases } from './instrument.ts';
import { storeContractCases } from './stores.ts';
import { packageCases } from './packages.ts';
import { bootCases } from './boot.ts';
import { policyCases } from './policy.ts';
import { dnaCases } from './dna.ts';
import { wasiCases } from './wasi.ts';
import { httpCases } from './http.ts';
import { httpOriginCases } from './http-origin.ts';
import { replayCases } from './replay.ts';
import { securityCases } from './security.ts';
import { cryptoCases } from './crypto.ts';

export const SUITE: readonly ConformanceCase[] = [
  ...foundationCases,
  ...instrumentCases,
  ...storeContractCases,
  ...packageCases,
  ...cryptoCases,
  ...bootCases,
  ...policyCases,
  ...dnaCases,
  ...wasiCases,
  ...httpCases,
  ...httpOriginCases,
  ...replayCases,
  ...securityCases,
];
